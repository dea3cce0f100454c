/** A pass over some jobs of a local cluster: it asks about just them and spends no budget. */
import assert from "node:assert/strict";
import { harness } from "./_fake_scheduler.ts";
import { submitJob } from "./submit_job.ts";
import type { TrackedJob } from "../schedulers/scheduler.ts";
import { JobReconciler } from "./job_reconciler.ts";

/** The jobs each status() call was asked about. */
function recordAsked(h: ReturnType<typeof harness>): string[][] {
  const asked: string[][] = [];
  const status = h.scheduler.status.bind(h.scheduler);
  h.scheduler.status = (jobs: readonly TrackedJob[]) => {
    asked.push(jobs.map((job) => job.jobId));
    return status(jobs);
  };
  return asked;
}

const lastPoll = (h: ReturnType<typeof harness>) =>
  h.store.prepare("SELECT last_poll_at FROM clusters").get()?.last_poll_at ?? null;

Deno.test("reconcileJobs() on a local cluster asks about those jobs only and leaves its last poll", async () => {
  const h = harness("local");
  const jobs = [];
  for (let i = 0; i < 20; i++) jobs.push(await submitJob(h.target, h.request()));
  await h.pass(); // submitted → running, all of them
  const polled = lastPoll(h);
  const asked = recordAsked(h);
  h.scheduler.answers.set(jobs[3]!.schedulerJobId!, { state: "succeeded", exitCode: 0 });
  h.scheduler.answers.set(jobs[4]!.schedulerJobId!, { state: "failed", exitCode: 1 });
  const result = await h.reconciler.reconcileJobs([jobs[3]!.jobId], { force: true });
  assert.equal(result.error, null);
  assert.equal(result.changed, 1);
  assert.deepEqual(asked, [[jobs[3]!.jobId]]);
  assert.equal(h.store.get(jobs[3]!.jobId)!.state, "succeeded");
  assert.equal(h.store.get(jobs[4]!.jobId)!.state, "running", "not asked about: unchanged");
  assert.equal(lastPoll(h), polled, "the cluster still waits for its full pass");
  await h.pass();
  assert.equal(h.store.get(jobs[4]!.jobId)!.state, "failed", "the full pass sees the rest");
  h.store.close();
});

Deno.test("reconcileJobs() is a full pass on a batch cluster, and skipped on a fresh local one", async () => {
  const slurm = harness("slurm");
  for (let i = 0; i < 3; i++) await submitJob(slurm.target, slurm.request());
  const asked = recordAsked(slurm);
  const first = slurm.store.list({})[0]!;
  await slurm.reconciler.reconcileJobs([first.jobId], { force: true });
  assert.equal(asked[0]!.length, 3, "one batched query covers the whole cluster");
  assert.notEqual(lastPoll(slurm), null);

  const local = harness("local");
  const job = await submitJob(local.target, local.request());
  const reconciler = new JobReconciler(local.store, "local", local.scheduler, {
    minIntervalMs: 60_000,
    commandTimeoutMs: 1_000,
  });
  await reconciler.reconcile(); // polled moments ago, with a one-minute interval
  const none = recordAsked(local);
  assert.equal((await reconciler.reconcileJobs([job.jobId])).skipped, "fresh");
  assert.deepEqual(none, []);
  const forced = await reconciler.reconcileJobs([job.jobId], { force: true });
  assert.equal(forced.skipped, false);
  assert.deepEqual(none, [[job.jobId]]);
  for (const h of [slurm, local]) h.store.close();
});

Deno.test("reconcileJobs() also sees the jobs a held one waits for, through a chain", async () => {
  const h = harness("local");
  const first = await submitJob(h.target, h.request());
  const second = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: first.jobId }] }),
  );
  const third = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: second.jobId }] }),
  );
  const asked = recordAsked(h);
  await h.reconciler.reconcileJobs([third.jobId], { force: true });
  assert.deepEqual(
    asked.flat().sort(),
    [first.jobId].sort(),
    "the chain's only submitted job is asked about; the held ones wait in the store",
  );
  h.scheduler.answers.set(first.schedulerJobId!, { state: "failed", exitCode: 1 });
  await h.reconciler.reconcileJobs([third.jobId], { force: true });
  await h.reconciler.reconcileJobs([third.jobId], { force: true });
  assert.equal(h.store.get(first.jobId)!.state, "failed");
  assert.equal(h.store.get(second.jobId)!.state, "cancelled");
  assert.equal(h.store.get(third.jobId)!.state, "cancelled");
  h.store.close();
});
