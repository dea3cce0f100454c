import assert from "node:assert/strict";
import type { SlurmJobRow } from "./slurm_parse.ts";
import {
  needsExitCode,
  observeJobEvidence,
  observeSlurmRow,
  SLURM_STATES,
  slurmState,
  withExitCode,
} from "./slurm_states.ts";

function row(state: string, overrides: Partial<SlurmJobRow> = {}): SlurmJobRow {
  return {
    id: "42",
    arrayJobId: null,
    arrayTask: null,
    state,
    cancelledBy: null,
    reason: null,
    exit: null,
    startedAt: 1_000_000,
    finishedAt: 2_000_000,
    hasRun: true,
    ...overrides,
  };
}

const EXPECTED: Record<string, string> = {
  PD: "queued",
  CF: "queued",
  R: "running",
  CG: "running",
  CD: "succeeded",
  F: "failed",
  CA: "cancelled",
  TO: "timed_out",
  OOM: "failed",
  NF: "failed",
  BF: "failed",
  DL: "failed",
  PR: "failed",
  S: "running",
  ST: "running",
  RQ: "queued",
  RH: "queued",
  RF: "queued",
  RD: "queued",
  RS: "running",
  RV: "running", // REVOKED keeps the current state (running here)
  SE: "queued",
  SI: "running",
  SO: "running",
};

for (const [code, molq] of Object.entries(EXPECTED)) {
  const name = slurmState(code)!.name;
  Deno.test(`observeSlurmRow() maps ${code} (${name}) to ${molq}`, () => {
    assert.equal(observeSlurmRow(row(code), "running").state, molq);
    assert.equal(observeSlurmRow(row(name), "running").state, molq);
  });
}

Deno.test("SLURM_STATES lists every state code of SCHEDULERS.md once", () => {
  const codes = SLURM_STATES.map((state) => state.code).sort();
  assert.deepEqual(codes, Object.keys(EXPECTED).sort());
  assert.equal(new Set(SLURM_STATES.map((state) => state.name)).size, SLURM_STATES.length);
});

Deno.test("slurmState() reads `CANCELLED by 0`, `CANCELLED+` and lower case", () => {
  assert.equal(slurmState("CANCELLED by 0")?.code, "CA");
  assert.equal(slurmState("CANCELLED+")?.code, "CA");
  assert.equal(slurmState("completing")?.code, "CG");
  assert.equal(slurmState("BOGUS"), undefined);
});

Deno.test("observeSlurmRow() never ends a job on an unknown state", () => {
  const seen = observeSlurmRow(row("UPDATE_DB", { reason: "Prolog" }), "queued");
  assert.deepEqual(seen, { state: "queued", detail: "unknown SLURM state UPDATE_DB (Prolog)" });
  assert.equal(observeSlurmRow(row("WEIRD"), "created").state, "submitted");
  assert.equal(observeSlurmRow(row("RV"), "queued").detail, "REVOKED");
});

Deno.test("observeSlurmRow() keeps pending reasons as detail", () => {
  assert.equal(
    observeSlurmRow(row("PENDING", { reason: "Resources" }), "submitted").detail,
    "Resources",
  );
  assert.equal(
    observeSlurmRow(row("PENDING", { reason: "Dependency" }), "queued").detail,
    "Dependency",
  );
  assert.equal(observeSlurmRow(row("PENDING"), "queued").detail, null);
  assert.equal(
    observeSlurmRow(row("PENDING", { reason: "DependencyNeverSatisfied" }), "queued").detail,
    "DependencyNeverSatisfied: will never run",
  );
  assert.equal(
    observeSlurmRow(row("REQUEUE_HOLD", { reason: "JobHeldAdmin" }), "queued").detail,
    "REQUEUE_HOLD (JobHeldAdmin)",
  );
});

Deno.test("observeSlurmRow() shows COMPLETING and SUSPENDED as running with detail", () => {
  assert.deepEqual(observeSlurmRow(row("COMPLETING"), "running"), {
    state: "running",
    detail: "COMPLETING",
    startedAt: 1_000_000,
  });
  assert.equal(observeSlurmRow(row("S"), "running").detail, "SUSPENDED");
  assert.equal(observeSlurmRow(row("RUNNING"), "queued").detail, null);
});

Deno.test("observeSlurmRow() takes start and end times from SLURM", () => {
  const done = observeSlurmRow(row("COMPLETED", { exit: { code: 0, signal: 0 } }), "running");
  assert.deepEqual(done, {
    state: "succeeded",
    exitCode: 0,
    startedAt: 1_000_000,
    finishedAt: 2_000_000,
  });
});

Deno.test("observeSlurmRow() reads code:signal exit codes", () => {
  const exited = observeSlurmRow(row("FAILED", { exit: { code: 3, signal: 0 } }), "running");
  assert.equal(exited.exitCode, 3);
  assert.equal(exited.failureReason, "Exited with code 3.");
  const killed = observeSlurmRow(row("FAILED", { exit: { code: 0, signal: 9 } }), "running");
  assert.equal(killed.exitCode, null);
  assert.equal(killed.failureReason, "Killed by signal 9 (SIGKILL).");
});

Deno.test("observeSlurmRow() explains a launch failure", () => {
  const seen = observeSlurmRow(
    row("FAILED", { reason: "JobLaunchFailure", exit: { code: 0, signal: 53 } }),
    "queued",
  );
  assert.equal(seen.state, "failed");
  assert.equal(seen.exitCode, null);
  assert.match(seen.failureReason!, /could not launch the job \(JobLaunchFailure\)/);
  // sacct keeps no reason for it, only the exit code 0:53.
  const fromSacct = observeSlurmRow(row("FAILED", { exit: { code: 0, signal: 53 } }), "queued");
  assert.equal(fromSacct.failureReason, seen.failureReason);
});

Deno.test("observeSlurmRow() names who cancelled", () => {
  const seen = observeSlurmRow(row("CANCELLED", { cancelledBy: "1000" }), "running");
  assert.equal(seen.state, "cancelled");
  assert.equal(seen.failureReason, "Cancelled by uid 1000.");
  assert.equal(observeSlurmRow(row("CA"), "queued").failureReason, "Cancelled.");
  // A job cancelled while pending never started, whatever squeue's start column says.
  const pending = row("CA", { hasRun: false, reason: "JobHeldUser" });
  assert.equal(observeSlurmRow(pending, "queued").startedAt, null);
  // Cancelled within a second of starting: no run time yet, but no pending reason either.
  assert.equal(observeSlurmRow(row("CA", { hasRun: false }), "running").startedAt, 1_000_000);
});

Deno.test("observeSlurmRow() maps TO to timed_out with a reason", () => {
  const seen = observeSlurmRow(row("TIMEOUT", { reason: "TimeLimit" }), "running");
  assert.equal(seen.state, "timed_out");
  assert.match(seen.failureReason!, /time limit/);
});

Deno.test("observeSlurmRow() explains OOM, NODE_FAIL, BOOT_FAIL, DEADLINE and PREEMPTED", () => {
  assert.equal(
    observeSlurmRow(row("OUT_OF_MEMORY", { exit: { code: 0, signal: 125 } }), "running")
      .failureReason,
    "Ran out of memory.",
  );
  assert.equal(observeSlurmRow(row("NF"), "running").failureReason, "A node of the job failed.");
  assert.match(observeSlurmRow(row("BF"), "queued").failureReason!, /boot/);
  assert.match(observeSlurmRow(row("DL"), "queued").failureReason!, /deadline/);
  assert.match(observeSlurmRow(row("PR"), "running").failureReason!, /Preempted/);
});

Deno.test("needsExitCode() is true only for FAILED rows without an exit code", () => {
  assert.equal(needsExitCode(row("FAILED", { reason: "NonZeroExitCode" })), true);
  assert.equal(needsExitCode(row("FAILED", { exit: { code: 3, signal: 0 } })), false);
  assert.equal(needsExitCode(row("FAILED", { reason: "JobLaunchFailure", hasRun: false })), false);
  // SLURM 22.05's reason for a job killed over its memory (OverMemoryKill): it did run.
  assert.equal(needsExitCode(row("FAILED", { reason: "JobLaunchFailure", hasRun: true })), true);
  assert.equal(needsExitCode(row("COMPLETED")), false);
});

Deno.test("withExitCode() completes a FAILED observation from squeue", () => {
  const seen = observeSlurmRow(row("F", { reason: "NonZeroExitCode" }), "running");
  assert.equal(seen.failureReason, "SLURM reports the job FAILED (NonZeroExitCode).");
  assert.equal(withExitCode(seen, 3).failureReason, "Exited with code 3.");
  assert.equal(withExitCode(seen, 137).failureReason, "Exited with code 137 (killed by SIGKILL).");
  const running = observeSlurmRow(row("R"), "queued");
  assert.equal(withExitCode(running, 3), running);
});

Deno.test("observeJobEvidence() reads the job's own exit code file", () => {
  const times = { startedAt: 5_000, finishedAt: 9_000 };
  assert.equal(observeJobEvidence({ timedOut: false, cancelled: false }), null);
  assert.deepEqual(
    observeJobEvidence({ ...times, exitCode: 0, timedOut: false, cancelled: false }),
    {
      state: "succeeded",
      exitCode: 0,
      ...times,
    },
  );
  const failed = observeJobEvidence({ ...times, exitCode: 4, timedOut: false, cancelled: false });
  assert.equal(failed?.state, "failed");
  assert.equal(failed?.failureReason, "Exited with code 4.");
});

Deno.test("observeJobEvidence() trusts a cancel only when the job did not succeed", () => {
  const base = { timedOut: false, cancelled: true };
  assert.equal(observeJobEvidence({ ...base, exitCode: 0 })?.state, "succeeded");
  assert.equal(observeJobEvidence({ ...base, exitCode: 143 })?.state, "cancelled");
  // Cancelled, then gone from SLURM without writing an exit code: it was cancelled.
  assert.equal(observeJobEvidence(base)?.state, "cancelled");
});
