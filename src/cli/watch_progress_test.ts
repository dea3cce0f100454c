import assert from "node:assert/strict";
import { sampleRecord } from "../testing/sample_record.ts";
import { countStates, renderChanges, renderProgressLine } from "./watch_progress.ts";

const ids = ["3f2a1b2c-0000-4000-8000-000000000001", "9c1e0000-0000-4000-8000-000000000002"];

Deno.test("countStates() counts in lifecycle order", () => {
  const records = ["failed", "running", "succeeded", "running"].map((state) =>
    sampleRecord({ state: state as "running" })
  );
  assert.deepEqual(countStates(records), [["running", 2], ["succeeded", 1], ["failed", 1]]);
});

Deno.test("renderProgressLine() shows a bar, counts and elapsed time, cut to the width", () => {
  const records = [
    sampleRecord({ state: "succeeded" }),
    sampleRecord({ state: "running" }),
    sampleRecord({ state: "queued" }),
    sampleRecord({ state: "failed" }),
  ];
  const line = renderProgressLine(records, { elapsedMs: 125_000, color: false, width: 120 });
  assert.equal(
    line,
    "[██████████░░░░░░░░░░] 2/4 done · 1 queued · 1 running · 1 succeeded · 1 failed · 2m05s",
  );
  const narrow = renderProgressLine(records, { elapsedMs: 0, color: true, width: 30 });
  assert.equal([...narrow].length, 29, "one column spare: the cursor never wraps");
  assert.ok(!narrow.includes("\x1b"), "cut lines lose their colour, never half an escape");
  const coloured = renderProgressLine(records, { elapsedMs: 0, color: true, width: 200 });
  assert.ok(coloured.includes("\x1b[32m1 succeeded\x1b[0m"));
});

Deno.test("renderChanges() prints one line per job that moved, under its watched id", () => {
  const retry = { attempts: 3, onExitCodes: [], backoffSeconds: 30 };
  const request = { ...sampleRecord().request, retry };
  const a1 = sampleRecord({ jobId: ids[0], state: "running", request });
  const b = sampleRecord({
    jobId: ids[1],
    state: "queued",
    stateDetail: "waiting for 3f2a1b2c (afterok)",
  });
  assert.deepEqual(renderChanges(ids, [], [a1, b], 0), [
    "[0s] 3f2a1b2c running (attempt 1 of 3)",
    "[0s] 9c1e0000 queued (waiting for 3f2a1b2c (afterok))",
  ]);
  assert.deepEqual(renderChanges(ids, [a1, b], [a1, b], 5_000), [], "nothing moved");
  const a2 = sampleRecord({
    state: "created",
    attempt: 2,
    lineageId: ids[0],
    notBefore: Date.UTC(2026, 0, 1, 12),
    request,
  });
  const failed = {
    ...b,
    state: "cancelled" as const,
    failureReason: "Dependency never satisfied.",
  };
  assert.deepEqual(renderChanges(ids, [a1, b], [a2, failed], 61_000), [
    "[1m01s] 3f2a1b2c created (attempt 2 of 3; starts after 2026-01-01T12:00:00.000Z)",
    "[1m01s] 9c1e0000 cancelled (Dependency never satisfied.)",
  ]);
});
