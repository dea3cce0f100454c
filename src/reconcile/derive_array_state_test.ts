import assert from "node:assert/strict";
import { deriveArrayState, describeArrayOutcome } from "./derive_array_state.ts";
import type { JobState } from "../core/job_state.ts";

Deno.test("deriveArrayState() is queued until a task starts, running until all end", () => {
  assert.equal(deriveArrayState([]), null);
  assert.equal(deriveArrayState(["queued", "queued"]), "queued");
  assert.equal(deriveArrayState(["queued", "running"]), "running");
  assert.equal(deriveArrayState(["queued", "succeeded"]), "running");
});

Deno.test("deriveArrayState() fails the array when any task failed", () => {
  assert.equal(deriveArrayState(["succeeded", "succeeded"]), "succeeded");
  assert.equal(deriveArrayState(["succeeded", "failed", "succeeded"]), "failed");
  assert.equal(deriveArrayState(["succeeded", "timed_out"]), "timed_out");
  assert.equal(deriveArrayState(["cancelled", "cancelled"]), "cancelled");
  assert.equal(deriveArrayState(["succeeded", "cancelled"]), "cancelled");
});

Deno.test("describeArrayOutcome() names the tasks that did not succeed", () => {
  const task = (taskId: string, state: JobState, exitCode: number | null = null) => ({
    taskId,
    state,
    exitCode,
  });
  assert.equal(
    describeArrayOutcome([
      task("0", "succeeded", 0),
      task("3", "failed", 3),
      task("1", "succeeded"),
    ]),
    "1 of 3 array tasks did not succeed: task 3 failed (exit code 3).",
  );
  assert.equal(
    describeArrayOutcome([task("10", "timed_out"), task("2", "cancelled"), task("1", "lost")]),
    "3 of 3 array tasks did not succeed: task 1 lost, task 2 cancelled, task 10 timed_out.",
  );
  const many = Array.from({ length: 8 }, (_, i) => task(String(i), "failed", 1));
  assert.equal(
    describeArrayOutcome(many),
    "8 of 8 array tasks did not succeed: task 0 failed (exit code 1), task 1 failed (exit code 1), " +
      "task 2 failed (exit code 1), task 3 failed (exit code 1), task 4 failed (exit code 1), and 3 more.",
  );
});
