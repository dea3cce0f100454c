/**
 * RunDashboard: a focused, full-screen view of exactly the jobs this script submitted.
 * `q` quits; closing it never cancels a job and always restores the terminal.
 * Twin of "Full-Screen Dashboard" (RunDashboard).
 *
 *     deno run -A examples/run_dashboard.ts
 */
import { RunDashboard, Submitor } from "../mod.ts";

const submitor = new Submitor({ scheduler: "local" });
try {
  const jobs = [
    await submitor.submit({ name: "prepare", argv: ["sh", "-c", "echo prepared"] }),
    await submitor.submit({
      name: "train",
      command: "for i in $(seq 1 120); do echo step $i; sleep 0.5; done",
    }),
    // An array is one row that expands to its tasks (→ or space; ← collapses).
    await submitor.submit({
      name: "sweep",
      array: "0-3%2",
      command: 'echo "task $MOLQ_ARRAY_TASK_ID"; sleep 1',
    }),
  ];
  const exit = await new RunDashboard({
    submitor,
    jobIds: jobs.map((job) => job.jobId),
    title: "my sweep",
    refreshSeconds: 0.5,
  }).run();
  console.log(`dashboard closed (${exit.reason}); train is ${jobs[1]!.record().state}`);
} finally {
  submitor.close();
}
