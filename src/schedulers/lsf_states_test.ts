import assert from "node:assert/strict";
import { parseBjobsJson } from "./lsf_parse.ts";
import { observeLsfStatus } from "./lsf_states.ts";
import { observeEvidence } from "./evidence_observation.ts";

const text = Deno.readTextFileSync(new URL("../../testdata/lsf/bjobs.json", import.meta.url));
const byId = new Map(parseBjobsJson(text).statuses.map((s) => [`${s.jobId}.${s.index}`, s]));
const observe = (key: string, cancelRequested = false) =>
  observeLsfStatus(byId.get(key)!, cancelRequested);

Deno.test("observeLsfStatus() maps DONE and EXIT with exit codes", () => {
  assert.deepEqual([observe("1201.0").state, observe("1201.0").exitCode], ["succeeded", 0]);
  const failed = observe("1202.0");
  assert.deepEqual([failed.state, failed.exitCode, failed.failureReason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.equal(observe("1209.2").exitCode, 5);
});

Deno.test("observeLsfStatus() maps TERM_RUNLIMIT to timed_out and TERM_OWNER to cancelled", () => {
  assert.equal(observe("1203.0").state, "timed_out");
  assert.equal(observe("1203.0", true).state, "timed_out");
  assert.deepEqual([observe("1204.0").state, observe("1204.0").failureReason], [
    "cancelled",
    "Killed by its owner (bkill).",
  ]);
  assert.equal(observe("1202.0", true).state, "cancelled");
});

Deno.test("observeLsfStatus() never treats UNKWN, ZOMBI or unknown states as final", () => {
  assert.equal(observe("1207.0").state, "running");
  assert.match(observe("1207.0").detail!, /UNKWN/);
  assert.equal(observe("1208.0").state, "running");
  assert.equal(
    observeLsfStatus({ ...byId.get("1206.0")!, stat: "NEWSTATE" }, false).state,
    "queued",
  );
  assert.deepEqual(observe("1206.0"), {
    state: "queued",
    detail: "Job dependency condition not satisfied",
    startedAt: null,
  });
});

Deno.test("observeLsfStatus() explains other TERM_ reasons and a dependency never satisfied", () => {
  const base = byId.get("1202.0")!;
  const orphan = observeLsfStatus(
    { ...base, exitCode: null, exitReason: "TERM_ORPHAN_SYSTEM" },
    false,
  );
  assert.equal(orphan.state, "cancelled");
  const memory = observeLsfStatus({ ...base, exitReason: "TERM_MEMLIMIT" }, false);
  assert.deepEqual([memory.state, memory.failureReason], [
    "failed",
    "Killed by LSF for exceeding its memory limit.",
  ]);
  const other = observeLsfStatus({
    ...base,
    exitReason: "TERM_PREEMPT",
    exitReasonText: "TERM_PREEMPT: job killed after preemption",
  }, false);
  assert.equal(
    other.failureReason,
    "Terminated by LSF: TERM_PREEMPT: job killed after preemption.",
  );
});

Deno.test("observeEvidence() trusts the job's exit code and molq's cancel marker", () => {
  assert.equal(
    observeEvidence("LSF", { exitCode: 0, timedOut: false, cancelled: false })?.state,
    "succeeded",
  );
  assert.equal(
    observeEvidence("LSF", { exitCode: 9, timedOut: false, cancelled: false })?.exitCode,
    9,
  );
  assert.equal(observeEvidence("LSF", { timedOut: false, cancelled: true })?.state, "cancelled");
  assert.equal(observeEvidence("LSF", { timedOut: false, cancelled: false }), null);
});
