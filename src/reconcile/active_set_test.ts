/** A long-lived reconciler reuses its active jobs until a job changes, in any process. */
import assert from "node:assert/strict";
import { join } from "../core/paths.ts";
import { JobStore } from "../store/job_store.ts";
import type { TrackedJob } from "../schedulers/scheduler.ts";
import { harness } from "./_fake_scheduler.ts";
import { submitJob } from "./submit_job.ts";

Deno.test("a pass sees a change another process made since the last pass", async () => {
  const h = harness("local");
  const jobs = [];
  for (let i = 0; i < 3; i++) jobs.push(await submitJob(h.target, h.request()));
  await h.pass(); // all running now
  const asked: string[][] = [];
  const status = h.scheduler.status.bind(h.scheduler);
  h.scheduler.status = (tracked: readonly TrackedJob[]) => {
    asked.push(tracked.map((job) => job.jobId).sort());
    return status(tracked);
  };
  await h.pass(); // nothing changed: the same three, from the reused set
  const other = JobStore.open(join(h.workdir, "jobs.db"));
  try {
    const cancelled = other.transition(
      jobs[0]!.jobId,
      "running",
      "cancelled",
      {
        finishedAt: Date.now(),
      },
      "cancelled elsewhere",
      Date.now(),
    );
    assert.ok(cancelled);
  } finally {
    other.close();
  }
  await h.pass();
  assert.deepEqual(asked, [
    jobs.map((job) => job.jobId).sort(),
    jobs.slice(1).map((job) => job.jobId).sort(),
  ]);
  h.store.close();
});
