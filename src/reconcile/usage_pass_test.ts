import assert from "node:assert/strict";
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import type { TrackedJob, UsageReading, UsageReport } from "../schedulers/scheduler.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { type StoredUsage, usageOf } from "../store/usage_rows.ts";
import { FakeScheduler, harness } from "./_fake_scheduler.ts";
import { GIVE_UP_AFTER_MS, SETTLE_INCOMPLETE_AFTER_MS, settleReading } from "./usage_pass.ts";
import { JobReconciler } from "./job_reconciler.ts";

const ENDED = 1_000_000;
const record = sampleRecord({
  state: "succeeded",
  finishedAt: ENDED,
  startedAt: ENDED - 10_000,
  request: { ...sampleRecord().request, resources: { memoryBytes: 1024 ** 3 } },
});
const row = (usage: JobUsage | null): StoredUsage => ({
  jobId: record.jobId,
  usage,
  createdAt: ENDED,
  reads: usage ? 1 : 0,
  lastReadAt: null,
  settledAt: null,
});
const reading = (cpuSeconds: number, complete = true, final = false): UsageReading => ({
  usage: { ...emptyUsage(), cpuSeconds, sources: { cpu: "sacct TotalCPU" } },
  complete,
  final,
});

Deno.test("settleReading() settles when two complete readings agree, not before", () => {
  const first = settleReading(row(null), reading(5), record, ENDED + 2_000);
  assert.equal(first.settled, false, "a first reading may still change");
  assert.equal(first.usage?.cpuSeconds, 5);
  assert.equal(first.usage?.memoryRequestBytes, 1024 ** 3, "the request fills what sacct lacks");
  assert.equal(first.usage?.elapsedSeconds, 10, "and the record's start and end");
  const changed = settleReading(row(first.usage), reading(6), record, ENDED + 4_000);
  assert.equal(changed.settled, false, "accounting caught up a little more");
  const same = settleReading(row(changed.usage), reading(6), record, ENDED + 6_000);
  assert.equal(same.settled, true);
});

Deno.test("settleReading() waits for incomplete accounting, but not for ever", () => {
  const once = settleReading(row(null), reading(5, false), record, ENDED + 1_000).usage;
  assert.equal(
    settleReading(row(once), reading(5, false), record, ENDED + 2_000).settled,
    false,
    "MaxRSS may still come",
  );
  const late = ENDED + SETTLE_INCOMPLETE_AFTER_MS;
  assert.equal(settleReading(row(once), reading(5, false), record, late).settled, true);
  assert.equal(settleReading(row(null), reading(5, false, true), record, ENDED).settled, true);
});

Deno.test("settleReading() keeps asking while there is no reading, then leaves it unknown", () => {
  const early = settleReading(row(null), undefined, record, ENDED + 1_000);
  assert.deepEqual(early, { usage: null, settled: false });
  const late = settleReading(row(null), undefined, record, ENDED + GIVE_UP_AFTER_MS);
  assert.equal(late.settled, true);
  assert.equal(late.usage?.cpuSeconds, null, "unknown, not 0");
  assert.equal(late.usage?.elapsedSeconds, 10);
});

/** A fake backend whose accounting "catches up" after a read. */
class LaggingScheduler extends FakeScheduler {
  usageCalls: string[][] = [];
  readings: ((job: TrackedJob) => UsageReading | undefined)[] = [];
  usage(jobs: readonly TrackedJob[]): Promise<UsageReport> {
    this.usageCalls.push(jobs.map((job) => job.schedulerJobId));
    const answer = this.readings[Math.min(this.usageCalls.length - 1, this.readings.length - 1)]!;
    const readings = new Map<string, UsageReading>();
    for (const job of jobs) {
      const got = answer(job);
      if (got) readings.set(job.jobId, got);
    }
    return Promise.resolve({ readings, commandCalls: 1 });
  }
}

Deno.test("a pass re-reads unsettled usage in one batched query until it settles", async () => {
  const h = harness();
  const scheduler = new LaggingScheduler();
  const reconciler = new JobReconciler(h.store, "slurm", scheduler, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
  });
  const jobs = ["1", "2"].map((id) => {
    const job = sampleRecord({
      cluster: "slurm",
      scheduler: "slurm",
      state: "running",
      startedAt: Date.now() - 5_000,
    });
    job.schedulerJobId = id;
    h.store.insert(job);
    return job;
  });
  scheduler.answers.set("1", { state: "succeeded", exitCode: 0, finishedAt: Date.now() });
  scheduler.answers.set("2", { state: "failed", exitCode: 1, finishedAt: Date.now() });
  scheduler.readings = [
    () => undefined, // not in accounting yet
    (job) => reading(job.schedulerJobId === "1" ? 3 : 1),
    (job) => reading(job.schedulerJobId === "1" ? 4 : 1),
  ];
  const pass = () => reconciler.reconcile({ force: true });
  await pass();
  assert.deepEqual(
    scheduler.usageCalls.map((ids) => ids.sort()),
    [["1", "2"]],
    "one query for both, in the pass that saw them end",
  );
  await pass();
  await pass();
  let stored = usageOf(h.store, jobs.map((j) => j.jobId));
  assert.equal(stored.get(jobs[1]!.jobId)?.settledAt !== null, true, "1 s twice: settled");
  assert.equal(stored.get(jobs[0]!.jobId)?.settledAt, null, "3 s then 4 s: not yet");
  await pass();
  assert.deepEqual(scheduler.usageCalls.at(-1), ["1"], "settled figures are never asked again");
  stored = usageOf(h.store, jobs.map((j) => j.jobId));
  assert.equal(stored.get(jobs[0]!.jobId)?.usage?.cpuSeconds, 4);
  assert.notEqual(stored.get(jobs[0]!.jobId)?.settledAt, null);
  const calls = scheduler.usageCalls.length;
  await pass();
  assert.equal(scheduler.usageCalls.length, calls, "nothing left to read");
  h.store.close();
});

Deno.test("a backend without re-reads settles what came with the final answer", async () => {
  const h = harness("pbs");
  const job = sampleRecord({
    cluster: "pbs",
    scheduler: "pbs",
    state: "running",
    startedAt: Date.now() - 5_000,
  });
  job.schedulerJobId = "9.server";
  h.store.insert(job);
  const usage = { ...emptyUsage(), cpuSeconds: 12, sources: { cpu: "qstat resources_used.cput" } };
  h.scheduler.answers.set("9.server", { state: "succeeded", exitCode: 0, usage });
  await h.pass();
  const stored = usageOf(h.store, [job.jobId]).get(job.jobId)!;
  assert.equal(stored.usage?.cpuSeconds, 12);
  assert.notEqual(stored.settledAt, null);
  const cancelled = sampleRecord({
    cluster: "pbs",
    scheduler: "pbs",
    state: "running",
    startedAt: Date.now() - 5_000,
  });
  cancelled.schedulerJobId = "10.server";
  h.store.insert(cancelled);
  h.store.transition(cancelled.jobId, "running", "cancelled", { finishedAt: Date.now() });
  await h.pass();
  const unknown = usageOf(h.store, [cancelled.jobId]).get(cancelled.jobId)!;
  assert.notEqual(unknown.settledAt, null, "nothing more will come: settled as unknown");
  assert.equal(unknown.usage?.cpuSeconds, null);
  const waited = sampleRecord({ cluster: "pbs", scheduler: "pbs", state: "queued" });
  waited.schedulerJobId = "11.server";
  h.store.insert(waited);
  h.store.transition(waited.jobId, "queued", "cancelled", { finishedAt: Date.now() });
  assert.equal(usageOf(h.store, [waited.jobId]).size, 0, "cancelled before it ran: used nothing");
  h.store.close();
});
