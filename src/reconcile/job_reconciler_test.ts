import assert from "node:assert/strict";
import { localRunner } from "../process/local_runner.ts";
import { join } from "node:path";
import { JobStore } from "../store/job_store.ts";
import type { Scheduler, StatusReport, TrackedJob } from "../schedulers/scheduler.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { clusterPollInfo } from "../store/cluster_polls.ts";
import { JobReconciler } from "./job_reconciler.ts";
import { harness } from "./_fake_scheduler.ts";
import { submitJob } from "./submit_job.ts";

/** A scheduler whose status answer the test switches between an outage and the truth. */
class SwitchableScheduler implements Scheduler {
  readonly kind = "slurm" as const;
  readonly runner = localRunner;
  outage: string | null = null;
  /** Scheduler ids the queue still lists (running); every other id is finished with exit 0. */
  running = new Set<string>();
  validate(): void {}
  submit(): Promise<never> {
    throw new Error("not used");
  }
  cancel(): Promise<void> {
    return Promise.resolve();
  }
  status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    if (this.outage) return Promise.reject(new Error(this.outage));
    const observations = new Map(
      jobs.map((job) => [
        job.jobId,
        this.running.has(job.schedulerJobId)
          ? { state: "running" as const }
          : { state: "succeeded" as const, exitCode: 0 },
      ]),
    );
    return Promise.resolve({ observations, newArrayTasks: [], commandCalls: 1 });
  }
}

function setUp(count: number) {
  const store = JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-outage-" }), "jobs.db"));
  const scheduler = new SwitchableScheduler();
  // The harshest "lost" settings: any single pass without evidence would do it.
  const reconciler = new JobReconciler(store, "slurm", scheduler, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
    lostGraceMs: 0,
    lostMinPolls: 1,
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({
      cluster: "slurm",
      scheduler: "slurm",
      state: i % 2 ? "running" : "queued",
      schedulerJobId: String(1000 + i),
    });
    store.insert(record);
    ids.push(record.jobId);
    scheduler.running.add(record.schedulerJobId!);
  }
  return { store, scheduler, reconciler, ids };
}

Deno.test("JobReconciler: every job survives a long scheduler outage, then gets its true state", async () => {
  const { store, scheduler, reconciler, ids } = setUp(100);
  const before = new Map(ids.map((id) => [id, store.get(id)!.state]));
  scheduler.outage = "squeue did not answer within 30 s";
  // A 10-minute outage polled every 6 s is 100 failed passes.
  for (let pass = 0; pass < 100; pass++) {
    const result = await reconciler.reconcile({ force: true });
    assert.equal(result.error, "squeue did not answer within 30 s");
    assert.equal(result.changed, 0);
  }
  for (const id of ids) {
    assert.equal(store.get(id)!.state, before.get(id), "no state changed during the outage");
    assert.equal(store.transitions(id).length, 1, "no transition was written");
  }
  assert.equal(clusterPollInfo(store)[0]!.lastPollError, "squeue did not answer within 30 s");
  scheduler.outage = null;
  scheduler.running = new Set(["1000", "1001"]);
  const recovered = await reconciler.reconcile({ force: true });
  assert.equal(recovered.error, null);
  const states = ids.map((id) => store.get(id)!.state);
  assert.equal(states.filter((s) => s === "succeeded").length, 98);
  assert.equal(states.filter((s) => s === "lost").length, 0);
  assert.equal(clusterPollInfo(store)[0]!.lastPollError, null);
});

Deno.test("JobReconciler: a job the scheduler stops listing becomes lost only after grace and polls", async () => {
  const store = JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-lost-" }), "jobs.db"));
  const record = sampleRecord({
    cluster: "slurm",
    scheduler: "slurm",
    state: "running",
    schedulerJobId: "7",
  });
  store.insert(record);
  const silent: Scheduler = {
    kind: "slurm",
    runner: localRunner,
    validate() {},
    submit: () => Promise.reject(new Error("not used")),
    cancel: () => Promise.resolve(),
    status: () => Promise.resolve({ observations: new Map(), newArrayTasks: [], commandCalls: 1 }),
  };
  const reconciler = new JobReconciler(store, "slurm", silent, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
    lostGraceMs: 60_000,
    lostMinPolls: 3,
  });
  for (let pass = 0; pass < 5; pass++) await reconciler.reconcile({ force: true });
  const waiting = store.get(record.jobId)!;
  assert.equal(waiting.state, "running", "polls alone are not enough without the grace period");
  assert.equal(waiting.missingPolls, 5);
  store.update(record.jobId, "running", { missingSince: Date.now() - 61_000 });
  await reconciler.reconcile({ force: true });
  const lost = store.get(record.jobId)!;
  assert.equal(lost.state, "lost");
  assert.match(lost.failureReason!, /have not known this job for 6 polls/);
});

Deno.test("JobReconciler: a submission interrupted after the job started is tracked by the id the job wrote", async () => {
  const base = Deno.makeTempDirSync({ prefix: "molq-adopt-" });
  const store = JobStore.open(join(base, "jobs.db"));
  const jobDir = join(base, "job");
  Deno.mkdirSync(jobDir);
  Deno.writeTextFileSync(join(jobDir, "scheduler_id"), "4242\n");
  const record = sampleRecord({
    cluster: "slurm",
    scheduler: "slurm",
    jobDir,
    createdAt: Date.now() - 120_000,
  });
  store.insert(record);
  const scheduler = new SwitchableScheduler();
  scheduler.running.add("4242");
  const reconciler = new JobReconciler(store, "slurm", scheduler, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
    submitGraceMs: 60_000,
  });
  await reconciler.reconcile({ force: true });
  const adopted = store.get(record.jobId)!;
  assert.equal(adopted.state, "submitted");
  assert.equal(adopted.schedulerJobId, "4242");
  await reconciler.reconcile({ force: true });
  assert.equal(store.get(record.jobId)!.state, "running");
});

Deno.test("a start the job's host dates before the submission is recorded at the submission", async () => {
  const h = harness();
  const job = await submitJob(h.target, h.request());
  const submittedAt = h.store.get(job.jobId)!.submittedAt!;
  // A compute node whose clock runs 3 s behind ours.
  h.scheduler.answers.set(job.schedulerJobId!, { state: "running", startedAt: submittedAt - 3000 });
  await h.pass();
  assert.equal(h.store.get(job.jobId)!.startedAt, submittedAt);
  h.scheduler.answers.set(job.schedulerJobId!, {
    state: "succeeded",
    exitCode: 0,
    startedAt: submittedAt - 3000,
    finishedAt: submittedAt + 5000,
  });
  await h.pass();
  const done = h.store.get(job.jobId)!;
  assert.equal(done.startedAt, submittedAt);
  assert.equal(done.finishedAt, submittedAt + 5000);
  h.store.close();
});

Deno.test("a job that ended within a second of its submission keeps its end after its start", async () => {
  const h = harness();
  const job = await submitJob(h.target, h.request());
  const submittedAt = h.store.get(job.jobId)!.submittedAt!;
  const second = Math.floor(submittedAt / 1000) * 1000; // LSF and SLURM report whole seconds
  h.scheduler.answers.set(job.schedulerJobId!, {
    state: "succeeded",
    exitCode: 0,
    startedAt: second,
    finishedAt: second,
  });
  await h.pass();
  const done = h.store.get(job.jobId)!;
  assert.equal(done.startedAt, submittedAt);
  assert.equal(done.finishedAt, submittedAt);
  h.store.close();
});
