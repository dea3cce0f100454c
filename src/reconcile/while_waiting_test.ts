import assert from "node:assert/strict";
import { sampleRecord } from "../testing/sample_record.ts";
import { harness } from "./_fake_scheduler.ts";

Deno.test("a pass runs the caller's whileWaiting once, after its query went out and before its answer lands", async () => {
  const h = harness();
  const record = sampleRecord({
    cluster: "slurm",
    scheduler: "slurm",
    state: "running",
    schedulerJobId: "100",
  });
  h.store.insert(record);
  h.scheduler.answers.set("100", { state: "succeeded", exitCode: 0 });
  const seen: string[] = [];
  const result = await h.reconciler.reconcile({
    force: true,
    whileWaiting: () => seen.push(`${h.scheduler.statusCalls} ${h.store.get(record.jobId)!.state}`),
  });
  assert.equal(result.error, null);
  assert.deepEqual(seen, ["1 running"]);
  assert.equal(h.store.get(record.jobId)!.state, "succeeded");
});

Deno.test("a pass that asks its scheduler nothing never runs whileWaiting", async () => {
  const h = harness();
  let ran = false;
  const result = await h.reconciler.reconcile({ force: true, whileWaiting: () => (ran = true) });
  assert.equal(result.error, null);
  assert.equal(h.scheduler.statusCalls, 0);
  assert.equal(ran, false);
});
