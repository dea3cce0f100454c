/** A pass writes only what changed: its cost in rows written does not grow with idle jobs. */
import assert from "node:assert/strict";
import { harness } from "./_fake_scheduler.ts";
import { submitJob } from "./submit_job.ts";

/** Rows written by one pass over `count` running jobs that nothing new is known about. */
async function rowsWrittenByIdlePass(count: number): Promise<number> {
  const h = harness();
  for (let i = 0; i < count; i++) await submitJob(h.target, h.request());
  await h.pass(); // submitted → running: every job changes once
  await h.pass();
  const changes = () => Number(h.store.prepare("SELECT total_changes() AS n").get()!.n);
  const before = changes();
  const result = await h.pass();
  assert.equal(result.error, null);
  assert.equal(result.changed, 0);
  const written = changes() - before;
  h.store.close();
  return written;
}

Deno.test("a pass over unchanged jobs writes O(1) rows, however many jobs there are", async () => {
  const few = await rowsWrittenByIdlePass(5);
  const many = await rowsWrittenByIdlePass(200);
  assert.equal(many, few, `5 jobs: ${few} rows, 200 jobs: ${many} rows`);
  assert.ok(few <= 6, `the lease and the poll bookkeeping only (${few} rows)`);
});

Deno.test("a pass still records what is new about a job whose state stays the same", async () => {
  const h = harness();
  const job = await submitJob(h.target, h.request());
  await h.pass();
  h.scheduler.answers.set(job.schedulerJobId!, { state: "running", detail: "COMPLETING" });
  await h.pass();
  assert.equal(h.store.get(job.jobId)!.stateDetail, "COMPLETING");
  h.store.close();
});
