/**
 * Grid Engine's state letters and accounting outcomes mapped onto molq's states. Every
 * state qstat shows is active (finished jobs leave qstat): `E` (error) stays until the job
 * is deleted, `h` is held, `d` is being deleted. Accounting's `failed` says whether Grid
 * Engine itself ended the job; `exit_status` is the job's own code (128 + signal).
 */
import { describeExit, signalName } from "./exit_status.ts";
import type { QacctRecord } from "./sge_qacct.ts";
import type { QstatEntry } from "./sge_parse.ts";
import type { Observation } from "./scheduler.ts";

/** `failed` codes worth naming beyond what qacct says (sge_shepherd's failure codes). */
const TIME_LIMIT_FAILURE = 37;
const AFTER_JOB_FAILURE = 100;

/**
 * What a qstat entry says: queued or running, with the letters explained. `errorReason` is
 * what `qstat -j` gave for an error state.
 */
export function observeQstatEntry(entry: QstatEntry, errorReason?: string | null): Observation {
  const letters = entry.state;
  const pending = /[qw]/.test(letters);
  const startedAt = pending ? null : entry.startedAt;
  if (letters.includes("E")) {
    const why = errorReason ? `: ${errorReason.replace(/\.$/, "")}` : "";
    return {
      state: "queued",
      detail:
        `error state ${letters}${why}; Grid Engine keeps the job until it is deleted (molq cancel)`,
    };
  }
  if (letters.includes("d")) {
    return {
      state: pending ? "queued" : "running",
      detail: `being deleted (${letters})`,
      startedAt,
    };
  }
  if (pending) {
    const detail = letters.includes("h")
      ? `held (${letters})`
      : letters.includes("R")
      ? "restarted, waiting to run again"
      : letters === "qw" || letters === "w"
      ? null
      : `Grid Engine state ${letters}`;
    return { state: "queued", detail };
  }
  const detail = letters.includes("S")
    ? "suspended (its queue is suspended)"
    : letters.includes("T")
    ? "suspended (a queue threshold was reached)"
    : letters.includes("s")
    ? "suspended"
    : letters.includes("t")
    ? "starting (transferring to its host)"
    : letters.includes("R")
    ? "restarted"
    : letters === "r"
    ? null
    : `Grid Engine state ${letters}`;
  return { state: "running", detail, startedAt };
}

export interface AccountingContext {
  /** molq asked for this job to be cancelled (its job directory has the marker). */
  cancelRequested: boolean;
  timeLimitSeconds: number | null;
}

/** The final state of a job from its accounting record. */
export function observeAccounting(record: QacctRecord, context: AccountingContext): Observation {
  const times = { startedAt: record.startedAt, finishedAt: record.finishedAt ?? Date.now() };
  const code = record.exitStatus;
  const exitCode = record.failed === 0 || (record.startedAt !== null && code !== null)
    ? code
    : null;
  if (context.cancelRequested && !(record.failed === 0 && code === 0)) {
    return { state: "cancelled", exitCode, failureReason: "Cancelled.", ...times };
  }
  if (record.deletedBy !== null && record.failed !== 0) {
    return {
      state: "cancelled",
      exitCode,
      failureReason: `Deleted by ${record.deletedBy}.`,
      ...times,
    };
  }
  if (record.failed === 0) {
    if (code === 0) return { state: "succeeded", exitCode: 0, ...times };
    if (code === null) {
      return {
        state: "failed",
        exitCode: null,
        failureReason: "Ended without an exit status.",
        ...times,
      };
    }
    return { state: "failed", exitCode: code, failureReason: describeExit(code), ...times };
  }
  const text = record.failedText ?? "no explanation";
  const grid = `Grid Engine failed ${record.failed}: ${text}`;
  if (record.failed === TIME_LIMIT_FAILURE && !belowTimeLimit(record, context.timeLimitSeconds)) {
    const limit = context.timeLimitSeconds === null ? "" : ` of ${context.timeLimitSeconds} s`;
    return {
      state: "timed_out",
      exitCode: null,
      failureReason: `Killed by Grid Engine for exceeding its time limit${limit} (h_rt).`,
      ...times,
    };
  }
  if (record.startedAt === null) {
    return {
      state: "failed",
      exitCode: null,
      failureReason: `Grid Engine could not start the job (${grid}).`,
      ...times,
    };
  }
  if (record.failed === AFTER_JOB_FAILURE && code !== null && code > 128) {
    return {
      state: "failed",
      exitCode: code,
      failureReason: `Killed by ${
        signalName(code - 128)
      } (${grid}): deleted by another user or an administrator, or killed at a limit.`,
      ...times,
    };
  }
  return { state: "failed", exitCode, failureReason: `${grid}.`, ...times };
}

/** failed 37 also covers h_cpu and h_vmem: a job that ran clearly shorter than its h_rt hit those. */
function belowTimeLimit(record: QacctRecord, limitSeconds: number | null): boolean {
  return limitSeconds !== null && record.wallclockSeconds !== null &&
    record.wallclockSeconds + 1 < limitSeconds;
}
