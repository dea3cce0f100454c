import assert from "node:assert/strict";
import type { QstatEntry } from "./sge_parse.ts";
import { parseQacctOutput, type QacctRecord } from "./sge_qacct.ts";
import { observeAccounting, observeQstatEntry } from "./sge_states.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/sge/${name}`, import.meta.url));

function entry(state: string): QstatEntry {
  return {
    jobNumber: "1",
    name: "x",
    owner: "u",
    state,
    listedAs: null,
    startedAt: 1_000,
    submittedAt: null,
    queue: null,
    slots: 1,
    tasks: null,
  };
}

Deno.test("observeQstatEntry() maps every state letter combination onto queued or running", () => {
  const seen = (state: string) => {
    const o = observeQstatEntry(entry(state));
    return [o.state, o.detail ?? null];
  };
  assert.deepEqual(seen("qw"), ["queued", null]);
  assert.deepEqual(seen("hqw"), ["queued", "held (hqw)"]);
  assert.deepEqual(seen("hRwq"), ["queued", "held (hRwq)"]);
  assert.deepEqual(seen("Rq"), ["queued", "restarted, waiting to run again"]);
  assert.deepEqual(seen("r"), ["running", null]);
  assert.deepEqual(seen("t"), ["running", "starting (transferring to its host)"]);
  assert.deepEqual(seen("Rr"), ["running", "restarted"]);
  assert.deepEqual(seen("s"), ["running", "suspended"]);
  assert.deepEqual(seen("S"), ["running", "suspended (its queue is suspended)"]);
  assert.deepEqual(seen("T"), ["running", "suspended (a queue threshold was reached)"]);
  assert.deepEqual(seen("dr"), ["running", "being deleted (dr)"]);
  assert.deepEqual(seen("dt"), ["running", "being deleted (dt)"]);
  assert.deepEqual(seen("dqw"), ["queued", "being deleted (dqw)"]);
  assert.equal(observeQstatEntry(entry("r")).startedAt, 1_000);
  assert.equal(observeQstatEntry(entry("qw")).startedAt ?? null, null);
});

Deno.test("observeQstatEntry() shows an error state with its reason and how to end it", () => {
  const o = observeQstatEntry(entry("Eqw"), "error: can't chdir to /gone.");
  assert.equal(o.state, "queued");
  assert.equal(
    o.detail,
    "error state Eqw: error: can't chdir to /gone; Grid Engine keeps the job until it is deleted (molq cancel)",
  );
  assert.match(observeQstatEntry(entry("Eqw")).detail!, /^error state Eqw; /);
});

const record = (name: string, index = 0): QacctRecord => parseQacctOutput(sample(name))[index]!;
const plain = { cancelRequested: false, timeLimitSeconds: null };

Deno.test("observeAccounting(): failed 0 is the job's own exit status", () => {
  const o = observeAccounting(record("qacct-soge-exit3.txt"), plain);
  assert.deepEqual([o.state, o.exitCode, o.failureReason], ["failed", 3, "Exited with code 3."]);
  assert.equal(o.finishedAt, new Date(2026, 11, 1, 23, 47, 45).getTime());
  const ok = observeAccounting(record("qacct-soge-array.txt", 0), plain);
  assert.deepEqual([ok.state, ok.exitCode], ["succeeded", 0]);
});

Deno.test("observeAccounting(): failed 37 at the h_rt limit is timed_out, below it a failure", () => {
  const hrt = record("qacct-soge-h-rt.txt"); // h_rt=0:0:3, ru_wallclock 4s
  const timedOut = observeAccounting(hrt, { cancelRequested: false, timeLimitSeconds: 3 });
  assert.deepEqual([timedOut.state, timedOut.exitCode, timedOut.failureReason], [
    "timed_out",
    null,
    "Killed by Grid Engine for exceeding its time limit of 3 s (h_rt).",
  ]);
  assert.equal(observeAccounting(hrt, plain).state, "timed_out");
  const memory = observeAccounting(hrt, { cancelRequested: false, timeLimitSeconds: 3600 });
  assert.deepEqual([memory.state, memory.exitCode], ["failed", 137]);
  assert.match(memory.failureReason!, /failed 37: qmaster enforced h_rt, h_cpu, or h_vmem limit/);
});

Deno.test("observeAccounting(): failed 100 with 137 is a kill, a cancel when molq asked for it", () => {
  const killed = record("qacct-soge-qdel-running.txt");
  const o = observeAccounting(killed, plain);
  assert.deepEqual([o.state, o.exitCode], ["failed", 137]);
  assert.equal(
    o.failureReason,
    "Killed by SIGKILL (Grid Engine failed 100: assumedly after job): deleted by another user or an administrator, or killed at a limit.",
  );
  const cancelled = observeAccounting(killed, { cancelRequested: true, timeLimitSeconds: null });
  assert.deepEqual([cancelled.state, cancelled.failureReason], ["cancelled", "Cancelled."]);
  // A job that finished well before the cancel reached it keeps its success.
  const ok = observeAccounting(record("qacct-soge-array.txt", 0), {
    cancelRequested: true,
    timeLimitSeconds: null,
  });
  assert.equal(ok.state, "succeeded");
});

Deno.test("observeAccounting(): a job that never started failed with Grid Engine's reason", () => {
  const o = observeAccounting(record("qacct-soge-failed26.txt"), plain);
  assert.deepEqual([o.state, o.exitCode, o.startedAt], ["failed", null, null]);
  assert.equal(
    o.failureReason,
    "Grid Engine could not start the job (Grid Engine failed 26: opening input/output file).",
  );
});

Deno.test("observeAccounting(): Univa's deleted_by names who cancelled it", () => {
  const o = observeAccounting(record("qacct-univa-doc.txt", 1), plain);
  assert.deepEqual([o.state, o.exitCode, o.failureReason], [
    "cancelled",
    137,
    "Deleted by admin@login1.",
  ]);
  const limit = observeAccounting(record("qacct-univa-doc.txt", 0), {
    cancelRequested: false,
    timeLimitSeconds: 3600,
  });
  assert.equal(limit.state, "timed_out");
});
