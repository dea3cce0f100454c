/**
 * The poll budget at the library level: reconcile passes in many processes share one
 * status query per cluster per interval; concurrent passes in one process share a pass;
 * a pass longer than its lease keeps it by renewing it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "../src/store/job_store.ts";
import { JobReconciler } from "../src/reconcile/job_reconciler.ts";
import { acquirePollLease } from "../src/store/cluster_polls.ts";
import { FakeScheduler } from "../src/reconcile/_fake_scheduler.ts";
import { sampleRecord } from "../src/testing/sample_record.ts";
import type { StatusReport, TrackedJob } from "../src/schedulers/scheduler.ts";
import { BINARY_PERMISSIONS } from "./_molq.ts";

function storeWithOneRunningJob(): { store: JobStore; path: string; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "molq-lease-" });
  const path = join(dir, "jobs.db");
  const store = JobStore.open(path);
  store.insert(
    sampleRecord({ cluster: "slurm", scheduler: "slurm", state: "running", schedulerJobId: "5" }),
  );
  return { store, path, dir };
}

Deno.test("six processes polling one cluster make at most one status query per interval", async () => {
  const { store, path, dir } = storeWithOneRunningJob();
  store.close();
  const callsFile = join(dir, "calls");
  const intervalMs = 1_000;
  const started = Date.now();
  const workers = Array.from({ length: 6 }, () =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...BINARY_PERMISSIONS,
        new URL("./fixtures/lease_worker.ts", import.meta.url).pathname,
        path,
        callsFile,
        String(intervalMs),
        "5000",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output());
  const outputs = await Promise.all(workers);
  const elapsedMs = Date.now() - started;
  for (const output of outputs) {
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  }
  const calls = Deno.readTextFileSync(callsFile).trim().split("\n").map(Number);
  const passes = outputs.map((o) => Number(new TextDecoder().decode(o.stdout)));
  assert.equal(calls.length, passes.reduce((a, b) => a + b), "every pass queried once");
  assert.ok(calls.length >= 2, `the processes polled (${calls.length} queries)`);
  assert.ok(
    calls.length <= Math.floor(elapsedMs / intervalMs) + 1,
    `${calls.length} queries in ${elapsedMs} ms`,
  );
  // The store orders the passes: each query starts an interval after the previous pass ended.
  calls.sort((a, b) => a - b);
  for (let i = 1; i < calls.length; i++) {
    assert.ok(calls[i]! - calls[i - 1]! >= intervalMs, `queries ${i - 1} and ${i} too close`);
  }
});

Deno.test("concurrent refreshes in one process share one pass", async () => {
  const { store } = storeWithOneRunningJob();
  const scheduler = new FakeScheduler();
  const reconciler = new JobReconciler(store, "slurm", scheduler, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
  });
  const results = await Promise.all([
    reconciler.reconcile(),
    reconciler.reconcile(),
    reconciler.reconcile({ force: true }),
  ]);
  assert.equal(scheduler.statusCalls, 1);
  assert.equal(results[0], results[1]);
  store.close();
});

Deno.test("a pass that outlasts its lease renews it, so nobody else polls meanwhile", async () => {
  const { store, path } = storeWithOneRunningJob();
  const other = JobStore.open(path);
  const leaseUntil = () =>
    Number(
      (store.prepare("SELECT poll_lease_until AS u FROM clusters WHERE name = 'slurm'").get() as {
        u: number;
      }).u,
    );
  class SlowScheduler extends FakeScheduler {
    override async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
      const first = leaseUntil();
      const deadline = Date.now() + 20_000;
      // Outlast the lease as first taken; only its renewals keep another process out.
      while ((Date.now() <= first + 100 || leaseUntil() <= first) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const busy = acquirePollLease(other, "slurm", "slurm", {
        owner: "other-process",
        host: Deno.hostname(),
        pid: 1,
      }, {
        minIntervalMs: 0,
        leaseMs: 1_000,
      });
      assert.equal(busy, "busy");
      return super.status(jobs);
    }
  }
  const reconciler = new JobReconciler(store, "slurm", new SlowScheduler(), {
    minIntervalMs: 1_000,
    commandTimeoutMs: 1_000,
  });
  const result = await reconciler.reconcile();
  assert.equal(result.error, null);
  assert.ok(leaseUntil() === 0, "released at the end");
  other.close();
  store.close();
});
