/**
 * Reconciliation and persistence: `refresh()` runs one pass for the cluster (load its
 * active jobs, one batched scheduler query, persist every transition); the store then
 * holds each record's ids, state, timestamps, exit code and history.
 * Twin of "Reconciliation" (`Submitor.refresh()`) and "Persistence".
 *
 *     deno run -A examples/refresh.ts
 */
import { JobState, Submitor } from "../mod.ts";

const submitor = new Submitor({ scheduler: "local" });
try {
  const job = await submitor.submit({ argv: ["sh", "-c", "sleep 0.5; exit 3"], name: "refresh" });
  let record = job.record();
  while (!JobState.isTerminal(record.state)) {
    const pass = await submitor.refresh({ force: true });
    record = job.record();
    console.log(`pass: ${pass.changed} changed, error ${pass.error ?? "none"}; ${record.state}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(`job_id ${record.jobId}`);
  console.log(`scheduler ${record.scheduler} ${record.schedulerJobId}`);
  console.log(`state ${record.state} exit_code ${record.exitCode}`);
  console.log(`failure_reason ${record.failureReason}`);
  console.log(`submitted_at ${new Date(record.submittedAt!).toISOString()}`);
  console.log(`started_at ${new Date(record.startedAt!).toISOString()}`);
  console.log(`finished_at ${new Date(record.finishedAt!).toISOString()}`);
  const history = submitor.store.transitions(record.jobId).map((t) => t.toState);
  console.log(`transitions ${history.join(" -> ")}`);
} finally {
  submitor.close();
}
