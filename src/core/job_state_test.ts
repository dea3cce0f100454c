import assert from "node:assert/strict";
import { canTransition, isJobState, isTerminal, JOB_STATES, JobState } from "./job_state.ts";

Deno.test("isTerminal() is true exactly for the five final states", () => {
  const terminal = JOB_STATES.filter(isTerminal);
  assert.deepEqual(terminal, ["succeeded", "failed", "cancelled", "timed_out", "lost"]);
});

Deno.test("canTransition() moves forward and may skip states", () => {
  assert.equal(canTransition("created", "submitted"), true);
  assert.equal(canTransition("submitted", "running"), true);
  assert.equal(canTransition("queued", "failed"), true);
  assert.equal(canTransition("created", "failed"), true);
});

Deno.test("canTransition() refuses to go backwards or stay", () => {
  assert.equal(canTransition("running", "queued"), false);
  assert.equal(canTransition("queued", "submitted"), false);
  assert.equal(canTransition("running", "running"), false);
});

Deno.test("canTransition() never leaves a terminal state", () => {
  for (const to of JOB_STATES) {
    assert.equal(canTransition("succeeded", to), false);
    assert.equal(canTransition("lost", to), false);
  }
});

Deno.test("isJobState() accepts only the nine names", () => {
  assert.equal(isJobState("timed_out"), true);
  assert.equal(isJobState("TIMED_OUT"), false);
  assert.equal(isJobState("done"), false);
});

Deno.test("JobState names every state by its stored lower-case string", () => {
  assert.deepEqual(Object.values(JobState), [...JOB_STATES]);
  assert.deepEqual(
    Object.keys(JobState),
    JOB_STATES.map((state) => state.toUpperCase()),
  );
  assert.equal(JobState.TIMED_OUT, "timed_out");
  const state: JobState = JobState.SUCCEEDED;
  assert.equal(state, "succeeded");
});

Deno.test("JobState.isTerminal() agrees with isTerminal() for every state", () => {
  for (const state of JOB_STATES) assert.equal(JobState.isTerminal(state), isTerminal(state));
  assert.equal(JobState.isTerminal(JobState.LOST), true);
  assert.equal(JobState.isTerminal(JobState.RUNNING), false);
  assert.ok(Object.isFrozen(JobState));
});
