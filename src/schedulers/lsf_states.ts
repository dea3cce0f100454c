/**
 * LSF job states and exit reasons mapped onto molq's states in one table. Only DONE and
 * EXIT are final; UNKWN (lost contact) and ZOMBI (being killed) never are.
 */
import { describeExit } from "./exit_status.ts";
import type { LsfJobStatus } from "./lsf_parse.ts";
import type { Observation } from "./scheduler.ts";

const ACTIVE_STATES: Record<string, { state: "queued" | "running"; detail: string | null }> = {
  PEND: { state: "queued", detail: null },
  PSUSP: { state: "queued", detail: "suspended while pending (PSUSP)" },
  WAIT: { state: "queued", detail: "waiting for its chunk (WAIT)" },
  PROV: { state: "queued", detail: "waiting for its host to be provisioned (PROV)" },
  RUN: { state: "running", detail: null },
  USUSP: { state: "running", detail: "suspended by the user (USUSP)" },
  SSUSP: { state: "running", detail: "suspended by LSF (SSUSP)" },
  UNKWN: { state: "running", detail: "LSF lost contact with the execution host (UNKWN)" },
  ZOMBI: { state: "running", detail: "being killed; not yet confirmed (ZOMBI)" },
};

/** Exit reasons that are not plain failures. */
const EXIT_REASONS: Record<string, Pick<Observation, "state" | "failureReason">> = {
  TERM_RUNLIMIT: {
    state: "timed_out",
    failureReason: "Killed by LSF after reaching its run limit.",
  },
  TERM_OWNER: { state: "cancelled", failureReason: "Killed by its owner (bkill)." },
  TERM_FORCE_OWNER: { state: "cancelled", failureReason: "Killed by its owner (bkill)." },
  TERM_ADMIN: { state: "cancelled", failureReason: "Killed by an LSF administrator." },
  TERM_FORCE_ADMIN: { state: "cancelled", failureReason: "Killed by an LSF administrator." },
  TERM_ORPHAN_SYSTEM: {
    state: "cancelled",
    failureReason: "Terminated by LSF because its dependency can never be satisfied.",
  },
  TERM_MEMLIMIT: {
    state: "failed",
    failureReason: "Killed by LSF for exceeding its memory limit.",
  },
  TERM_CPULIMIT: {
    state: "failed",
    failureReason: "Killed by LSF for exceeding its CPU time limit.",
  },
};

export function observeLsfStatus(status: LsfJobStatus, cancelRequested: boolean): Observation {
  const startedAt = status.startedAt;
  if (status.stat !== "DONE" && status.stat !== "EXIT") {
    const active = ACTIVE_STATES[status.stat] ??
      { state: startedAt ? "running" : "queued", detail: `LSF state ${status.stat}` };
    const detail = status.stat === "PEND" ? status.pendReason : active.detail;
    return { state: active.state, detail, startedAt };
  }
  const final = { startedAt, finishedAt: status.finishedAt ?? Date.now() };
  if (status.stat === "DONE") return { state: "succeeded", exitCode: 0, ...final };
  const exitCode = status.exitCode;
  const known = status.exitReason ? EXIT_REASONS[status.exitReason] : undefined;
  if (known?.state === "timed_out") return { ...known, exitCode, ...final };
  if (cancelRequested) {
    return { state: "cancelled", exitCode, failureReason: "Cancelled.", ...final };
  }
  if (known) return { ...known, exitCode, ...final };
  if (status.exitReason) {
    const failureReason = `Terminated by LSF: ${status.exitReasonText ?? status.exitReason}.`;
    return { state: "failed", exitCode, failureReason, ...final };
  }
  const failureReason = exitCode === null
    ? "LSF ended the job (EXIT) without an exit code."
    : describeExit(exitCode);
  return { state: "failed", exitCode, failureReason, ...final };
}
