import assert from "node:assert/strict";
import { deriveArrayState } from "./derive_array_state.ts";

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
