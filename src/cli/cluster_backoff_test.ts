import assert from "node:assert/strict";
import { ClusterBackoff } from "./cluster_backoff.ts";

Deno.test("ClusterBackoff doubles the wait after each failure in a row, up to its maximum", () => {
  const backoff = new ClusterBackoff(1_000, 5_000);
  assert.equal(backoff.due("hpc", 0), true);
  assert.deepEqual(backoff.failed("hpc", 0), { count: 1, retryInMs: 1_000 });
  assert.equal(backoff.due("hpc", 999), false);
  assert.equal(backoff.due("hpc", 1_000), true);
  assert.deepEqual(backoff.failed("hpc", 1_000), { count: 2, retryInMs: 2_000 });
  assert.deepEqual(backoff.failed("hpc", 3_000), { count: 3, retryInMs: 4_000 });
  assert.deepEqual(backoff.failed("hpc", 7_000), { count: 4, retryInMs: 5_000 });
  assert.equal(backoff.due("other", 7_000), true, "clusters back off on their own");
});

Deno.test("ClusterBackoff forgets the failures after a success", () => {
  const backoff = new ClusterBackoff(1_000);
  backoff.failed("hpc", 0);
  backoff.failed("hpc", 1_000);
  assert.equal(backoff.succeeded("hpc"), 2);
  assert.equal(backoff.due("hpc", 1_001), true);
  assert.equal(backoff.succeeded("hpc"), 0);
  assert.deepEqual(backoff.failed("hpc", 2_000), { count: 1, retryInMs: 1_000 });
});
