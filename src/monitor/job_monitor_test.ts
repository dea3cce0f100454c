import assert from "node:assert/strict";
import { join } from "node:path";
import { WaitTimeoutError } from "../core/errors.ts";
import type { JobRecord } from "../core/job_record.ts";
import { JobStore } from "../store/job_store.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { JobMonitor, type MonitorClock } from "./job_monitor.ts";
import { FixedStrategy, type PollContext, type PollingStrategy } from "./polling_strategy.ts";

function tempStore(): JobStore {
  return JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-monitor-" }), "jobs.db"));
}

/** A clock whose sleeps return at once and only move its time on. */
function fakeClock(start = 1_000_000): MonitorClock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

function submitted(store: JobStore, overrides: Partial<JobRecord> = {}): JobRecord {
  const record = sampleRecord({ state: "running", schedulerJobId: "1", ...overrides });
  store.insert(record);
  return record;
}

function finish(store: JobStore, record: JobRecord, state: "succeeded" | "failed" = "succeeded") {
  store.transition(record.jobId, record.state, state, { exitCode: state === "succeeded" ? 0 : 1 });
}

Deno.test("JobMonitor.waitMany() looks until every job is final and keeps the given order", async () => {
  const store = tempStore();
  const a = submitted(store);
  const b = submitted(store);
  const refreshed: string[][] = [];
  let looks = 0;
  const monitor = new JobMonitor(store, (records) => {
    refreshed.push(records.map((r) => r.jobId));
    looks++;
    if (looks === 2) finish(store, b);
    if (looks === 3) finish(store, a, "failed");
    return Promise.resolve();
  }, fakeClock());
  const records = await monitor.waitMany([a.jobId, b.jobId], { strategy: new FixedStrategy(5) });
  assert.deepEqual(records.map((r) => [r.jobId, r.state]), [
    [a.jobId, "failed"],
    [b.jobId, "succeeded"],
  ]);
  // Only open jobs are refreshed: b is not asked about after it finished.
  assert.deepEqual(refreshed, [[a.jobId, b.jobId], [a.jobId, b.jobId], [a.jobId]]);
  store.close();
});

Deno.test("JobMonitor passes the open jobs and the clock to the strategy", async () => {
  const store = tempStore();
  const job = submitted(store, {
    startedAt: 999_000,
    request: {
      ...sampleRecord().request,
      resources: { timeLimitSeconds: 60 },
    },
  });
  const contexts: PollContext[] = [];
  const strategy: PollingStrategy = {
    nextDelayMs(elapsedMs, attempt, context) {
      contexts.push(context!);
      assert.equal(attempt, contexts.length - 1);
      assert.equal(elapsedMs, attempt * 20);
      return 20;
    },
  };
  const clock = fakeClock();
  let looks = 0;
  const monitor = new JobMonitor(store, () => {
    if (++looks === 3) finish(store, job);
    return Promise.resolve();
  }, clock);
  await monitor.waitOne(job.jobId, { strategy });
  assert.equal(contexts.length, 2);
  assert.deepEqual(contexts[0], {
    now: 1_000_000,
    jobs: [{ state: "running", startedAt: 999_000, timeLimitSeconds: 60 }],
  });
  assert.equal(contexts[1]!.now, 1_000_020);
  assert.deepEqual(clock.sleeps, [20, 20]);
  store.close();
});

Deno.test("JobMonitor follows a retry lineage to its latest attempt", async () => {
  const store = tempStore();
  const first = submitted(store, { state: "failed", exitCode: 1 });
  const second = submitted(store, {
    state: "created",
    schedulerJobId: null,
    attempt: 2,
    lineageId: first.jobId,
    previousAttemptId: first.jobId,
  });
  let looks = 0;
  const monitor = new JobMonitor(store, (records) => {
    assert.deepEqual(records.map((r) => r.jobId), [second.jobId]);
    if (++looks === 2) finish(store, second);
    return Promise.resolve();
  }, fakeClock());
  const record = await monitor.waitOne(first.jobId, { strategy: new FixedStrategy(1) });
  assert.equal(record.jobId, second.jobId);
  assert.equal(record.state, "succeeded");
  assert.equal(record.attempt, 2);
  store.close();
});

Deno.test("JobMonitor times out without sleeping past the timeout", async () => {
  const store = tempStore();
  const job = submitted(store);
  const clock = fakeClock();
  const monitor = new JobMonitor(store, () => Promise.resolve(), clock);
  await assert.rejects(
    monitor.waitOne(job.jobId, { timeoutMs: 25, strategy: new FixedStrategy(10) }),
    (error: unknown) => {
      assert.ok(error instanceof WaitTimeoutError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, /waiting for 1 of 1 jobs; they keep running/);
      return true;
    },
  );
  assert.deepEqual(clock.sleeps, [10, 10, 5]);
  assert.equal(store.get(job.jobId)!.state, "running", "the job is left alone");
  store.close();
});

Deno.test("JobMonitor reports progress after every look and stops when aborted", async () => {
  const store = tempStore();
  const job = submitted(store);
  const controller = new AbortController();
  const seen: string[] = [];
  const monitor = new JobMonitor(store, () => Promise.resolve(), fakeClock());
  await assert.rejects(
    monitor.waitOne(job.jobId, {
      strategy: new FixedStrategy(1),
      signal: controller.signal,
      onProgress: (records) => {
        seen.push(records[0]!.state);
        if (seen.length === 3) controller.abort(new Error("stop"));
      },
    }),
    /stop/,
  );
  assert.deepEqual(seen, ["running", "running", "running"]);
  store.close();
});

Deno.test("JobMonitor stops waiting for a job `settled` says will never end on its own", async () => {
  const store = tempStore();
  const stuck = submitted(store, { state: "queued" });
  const ends = submitted(store);
  let looks = 0;
  const monitor = new JobMonitor(store, (records) => {
    looks++;
    if (looks === 1) {
      store.update(stuck.jobId, "queued", {
        stateDetail: "DependencyNeverSatisfied: will never run",
      });
    }
    if (looks === 2) finish(store, ends);
    assert.ok(looks <= 2, `looked ${looks} times at ${records.length} jobs`);
    return Promise.resolve();
  }, fakeClock());
  const records = await monitor.waitMany([stuck.jobId, ends.jobId], {
    strategy: new FixedStrategy(5),
    settled: (record) => record.stateDetail?.startsWith("DependencyNeverSatisfied") ?? false,
  });
  assert.deepEqual(records.map((r) => r.state), ["queued", "succeeded"]);
  assert.equal(looks, 2);
  store.close();
});
