/**
 * molq killed after a local array's launcher started but before it recorded the launcher's
 * pid: the launcher wrote its own, so the next pass adopts the array and its tasks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "../store/job_store.ts";
import { LocalScheduler } from "../schedulers/local.ts";
import { submitLocalArray } from "../schedulers/local_array.ts";
import { submitContextFor } from "../schedulers/scheduler.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { localRunner } from "../process/local_runner.ts";
import { JobReconciler } from "./job_reconciler.ts";

Deno.test("an interrupted local array submission is adopted through the launcher's own pid file", async () => {
  const base = Deno.makeTempDirSync({ prefix: "molq-array-adopt-" });
  const store = JobStore.open(join(base, "jobs.db"));
  const jobDir = join(base, "job");
  Deno.mkdirSync(jobDir);
  const sample = sampleRecord({ cluster: "local", scheduler: "local", jobDir });
  const record = sampleRecord({
    ...sample,
    createdAt: Date.now() - 120_000,
    cwd: base,
    command: { type: "argv", argv: ["true"] },
    metadata: {
      "molq.stdout_path": join(jobDir, "stdout.log"),
      "molq.stderr_path": join(jobDir, "stderr.log"),
    },
    request: {
      ...sample.request,
      workdir: base,
      command: { type: "argv", argv: ["true"] },
      scheduling: { array: "0-2" },
    },
  });
  store.insert(record);
  // The launcher starts; molq "dies" before writing the launcher's pid into the record.
  const started = await submitLocalArray(localRunner, submitContextFor(record), 1);
  const reconciler = new JobReconciler(store, "local", new LocalScheduler(), {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
    submitGraceMs: 60_000,
  });
  try {
    // A real pass comes after the submission grace: by then the launcher has written its files.
    for (let i = 0; i < 100; i++) {
      const written = ["scheduler_id", "host"].every((name) => {
        try {
          return Deno.readTextFileSync(join(jobDir, name)).endsWith("\n");
        } catch {
          return false;
        }
      });
      if (written) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await reconciler.reconcile({ force: true });
    const adopted = store.get(record.jobId)!;
    assert.equal(adopted.state, "submitted", String(adopted.failureReason));
    assert.equal(adopted.schedulerJobId, String(started.pid));
    assert.equal(adopted.host, started.host.hostname);
    const deadline = Date.now() + 15_000;
    while (store.get(record.jobId)!.state !== "succeeded") {
      if (Date.now() > deadline) throw new Error("the adopted array did not finish");
      await new Promise((resolve) => setTimeout(resolve, 200));
      await reconciler.reconcile({ force: true });
    }
    const tasks = store.list({}).filter((r) => r.arrayJobId === record.jobId);
    assert.deepEqual(tasks.map((t) => [t.arrayTaskId, t.state]).sort(), [
      ["0", "succeeded"],
      ["1", "succeeded"],
      ["2", "succeeded"],
    ]);
  } finally {
    store.close();
  }
});
