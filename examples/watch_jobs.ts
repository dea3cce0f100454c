/**
 * Waiting for several jobs at once: `watch` returns every final record.
 * Twin of `records = submitor.watch([job.job_id for job in jobs], timeout=7200)`.
 *
 *     deno run -A examples/watch_jobs.ts
 */
import { Submitor } from "../mod.ts";

const submitor = new Submitor({ scheduler: "local" });
try {
  const jobs = [];
  for (const lr of ["0.1", "0.01", "0.001"]) {
    jobs.push(await submitor.submit({ argv: ["sh", "-c", `echo lr=${lr}`], name: `lr-${lr}` }));
  }
  const records = await submitor.watch(jobs.map((job) => job.jobId), { timeoutMs: 7_200_000 });
  for (const record of records) console.log(`${record.name} ${record.state}`);
} finally {
  submitor.close();
}
