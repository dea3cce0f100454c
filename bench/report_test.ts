import assert from "node:assert/strict";
import { missedTargets, renderResults, targetMet } from "./report.ts";
import type { BenchResult } from "./measure.ts";

const status: BenchResult = {
  suite: "status",
  name: "molq status <id>",
  value: 40,
  unit: "ms",
  ratio: 2.6,
  target: { op: "<=", value: 2.5, on: "ratio" },
};

Deno.test("targetMet() holds a ratio target against the ratio, not the value", () => {
  assert.equal(targetMet(status), false);
  assert.equal(targetMet({ ...status, ratio: 2.4 }), true);
  assert.equal(targetMet({ ...status, target: { op: "<=", value: 50 } }), true);
  assert.deepEqual(missedTargets([status, { ...status, ratio: 1 }]), [status]);
});

Deno.test("renderResults() prints the ratio and the verdict", () => {
  const table = renderResults([status]);
  assert.match(table, /\| 40 ms +\| +\| 2\.60 × +\| <= 2\.5 × floor MISSED \|/);
});
