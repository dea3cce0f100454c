/**
 * PBS job states and exit statuses mapped onto molq's states, in one table per flavour.
 * Only F and X (PBS Pro) and C (Torque) are final; T, M, B and E never are.
 */
import { describeExit, signalName } from "./exit_status.ts";
import type { PbsFlavour, PbsJobStatus } from "./pbs_parse.ts";
import type { Observation } from "./scheduler.ts";

type Active = { state: "queued" | "running"; detail: string | null };

const ACTIVE_STATES: Record<string, Active> = {
  Q: { state: "queued", detail: null },
  H: { state: "queued", detail: "held" },
  W: { state: "queued", detail: "waiting for its start time" },
  T: { state: "queued", detail: "transiting" },
  M: { state: "queued", detail: "moved to another server" },
  B: { state: "running", detail: "array begun" },
  R: { state: "running", detail: null },
  E: { state: "running", detail: "exiting" },
  S: { state: "running", detail: "suspended" },
  U: { state: "running", detail: "suspended (workstation busy)" },
};

const FINAL_STATES: Record<PbsFlavour, ReadonlySet<string>> = {
  pro: new Set(["F", "X"]),
  torque: new Set(["C"]),
};

/** PBS-internal (negative) exit statuses worth naming. */
const INTERNAL_CODES: Record<PbsFlavour, Record<number, string>> = {
  pro: {
    [-1]: "JOB_EXEC_FAIL1, the job could not be started",
    [-2]: "JOB_EXEC_FAIL2, the job failed after its files were set up",
    [-3]: "JOB_EXEC_RETRY, the job failed to start",
    [-4]: "JOB_EXEC_INITABT, the execution host aborted the job on restart",
    [-10]: "JOB_EXEC_FAILUID, invalid user or group on the execution host",
    [-13]: "JOB_EXEC_FAIL_PASSWORD",
    [-14]: "JOB_EXEC_RERUN_ON_SIS_FAIL, a sister host failed",
    [-17]: "JOB_EXEC_FAILHOOK_DELETE, a hook rejected the job",
    [-19]: "JOB_EXEC_HOOK_DELETE, a hook deleted the job",
  },
  torque: {
    [-1]: "JOB_EXEC_FAIL1, the job could not be started",
    [-2]: "JOB_EXEC_FAIL2, the job failed after its files were set up",
    [-3]: "JOB_EXEC_RETRY, the job failed to start",
    [-8]: "JOB_EXEC_CMDFAIL, the job's command could not be executed",
    [-9]: "JOB_EXEC_STDOUTFAIL, the job's output file could not be created",
    [-10]: "JOB_EXEC_OVERLIMIT_MEM, the job exceeded its memory limit",
    [-12]: "JOB_EXEC_OVERLIMIT_CPUT, the job exceeded its CPU time limit",
  },
};

/** Exit statuses that mean "killed for its walltime". */
const WALLTIME_CODES: Record<PbsFlavour, number> = { pro: -29, torque: -11 };

export interface ObserveContext {
  flavour: PbsFlavour;
  /** molq asked for this job to be cancelled (its job directory has the marker). */
  cancelRequested: boolean;
  /** This status is an array as a whole, not one job or subjob. */
  isArray: boolean;
}

export function observePbsStatus(status: PbsJobStatus, context: ObserveContext): Observation {
  const times = { startedAt: status.startedAt, finishedAt: status.finishedAt };
  if (!FINAL_STATES[context.flavour].has(status.state)) {
    const active = ACTIVE_STATES[status.state] ??
      { state: status.startedAt ? "running" : "queued", detail: `PBS state ${status.state}` };
    return { state: active.state, detail: active.detail, startedAt: status.startedAt };
  }
  const finishedAt = status.finishedAt ?? Date.now();
  const final = { ...times, finishedAt };
  const code = status.exitStatus;
  if (code === null) {
    // Deleted before it ran: by molq or a user, or by PBS for an impossible dependency.
    const why = context.cancelRequested || !status.comment
      ? "Cancelled before it started."
      : `Deleted by PBS before it started: ${status.comment}.`;
    return { state: "cancelled", exitCode: null, failureReason: why, ...final };
  }
  if (context.isArray) {
    if (code === 0) return { state: "succeeded", exitCode: 0, ...final };
    const why = context.cancelRequested ? "Cancelled." : "At least one array task did not succeed.";
    return {
      state: context.cancelRequested ? "cancelled" : "failed",
      exitCode: null,
      failureReason: why,
      ...final,
    };
  }
  if (isWalltimeKill(status, context.flavour)) {
    const limit = status.walltimeLimitSeconds;
    const what = limit === null ? "its walltime limit" : `its walltime limit of ${limit} s`;
    return {
      state: "timed_out",
      exitCode: null,
      failureReason: `Killed by PBS after exceeding ${what}.`,
      ...final,
    };
  }
  if (code === 0) return { state: "succeeded", exitCode: 0, ...final };
  const signal = code > 256 ? code - 256 : null;
  const exitCode = signal === null ? (code < 0 ? null : code) : 128 + signal;
  if (context.cancelRequested) {
    return { state: "cancelled", exitCode, failureReason: "Cancelled.", ...final };
  }
  if (code < 0) {
    const name = INTERNAL_CODES[context.flavour][code] ?? "a PBS-internal failure";
    const comment = status.comment ? ` (${status.comment})` : "";
    return {
      state: "failed",
      exitCode: null,
      failureReason: `PBS could not run the job: exit status ${code}, ${name}${comment}.`,
      ...final,
    };
  }
  const failureReason = signal === null
    ? describeExit(code)
    : `Killed by ${signalName(signal)} (PBS exit status ${code}).`;
  return { state: "failed", exitCode, failureReason, ...final };
}

/** -29 (PBS Pro) / -11 (Torque), a comment naming the walltime, or Torque's signal kill at the limit. */
function isWalltimeKill(status: PbsJobStatus, flavour: PbsFlavour): boolean {
  const code = status.exitStatus;
  if (code === WALLTIME_CODES[flavour]) return true;
  if (code === 0) return false;
  if (status.comment && /walltime.*exceed|exceed.*walltime/i.test(status.comment)) return true;
  const { walltimeUsedSeconds: used, walltimeLimitSeconds: limit } = status;
  return flavour === "torque" && code !== null && code > 256 && used !== null && limit !== null &&
    used >= limit;
}
