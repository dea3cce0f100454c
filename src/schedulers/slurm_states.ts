/**
 * Every SLURM job state (compact and long form) mapped onto molq's states in one table,
 * and the observation a SLURM row — or, failing that, the job's own files — amounts to.
 */
import { NEVER_STARTS_DETAIL } from "../core/never_starts.ts";
import type { JobState } from "../core/job_state.ts";
import type { JobEvidence } from "./job_files.ts";
import type { Observation } from "./scheduler.ts";
import type { SlurmJobRow } from "./slurm_parse.ts";
import { describeExit, signalName } from "./exit_status.ts";

/** `keep`: molq cannot tell what the state means for the job; its state stays as it is. */
export type SlurmOutcome = Observation["state"] | "keep";

export interface SlurmState {
  code: string;
  name: string;
  outcome: SlurmOutcome;
  /** For final states other than success: why, in one sentence. */
  why?: string;
}

export const SLURM_STATES: readonly SlurmState[] = [
  { code: "PD", name: "PENDING", outcome: "queued" },
  // Resources are allocated but nodes are still booting: the command has not started.
  { code: "CF", name: "CONFIGURING", outcome: "queued" },
  { code: "R", name: "RUNNING", outcome: "running" },
  { code: "CG", name: "COMPLETING", outcome: "running" },
  { code: "CD", name: "COMPLETED", outcome: "succeeded" },
  { code: "F", name: "FAILED", outcome: "failed" },
  { code: "CA", name: "CANCELLED", outcome: "cancelled" },
  { code: "TO", name: "TIMEOUT", outcome: "timed_out" },
  { code: "OOM", name: "OUT_OF_MEMORY", outcome: "failed", why: "Ran out of memory." },
  { code: "NF", name: "NODE_FAIL", outcome: "failed", why: "A node of the job failed." },
  { code: "BF", name: "BOOT_FAIL", outcome: "failed", why: "The job's nodes failed to boot." },
  { code: "DL", name: "DEADLINE", outcome: "failed", why: "Ended at its --deadline." },
  { code: "PR", name: "PREEMPTED", outcome: "failed", why: "Preempted by another job." },
  { code: "S", name: "SUSPENDED", outcome: "running" },
  { code: "ST", name: "STOPPED", outcome: "running" },
  // Requeued jobs go back to pending; molq states never move backwards, so a running
  // record stays running (with the detail) until the requeued run ends.
  { code: "RQ", name: "REQUEUED", outcome: "queued" },
  { code: "RH", name: "REQUEUE_HOLD", outcome: "queued" },
  { code: "RF", name: "REQUEUE_FED", outcome: "queued" },
  { code: "RD", name: "RESV_DEL_HOLD", outcome: "queued" },
  { code: "RS", name: "RESIZING", outcome: "running" },
  // A federation sibling removed because another cluster started the job: not an end.
  { code: "RV", name: "REVOKED", outcome: "keep" },
  { code: "SE", name: "SPECIAL_EXIT", outcome: "queued" },
  { code: "SI", name: "SIGNALING", outcome: "running" },
  { code: "SO", name: "STAGE_OUT", outcome: "running" },
];

const BY_TEXT = new Map<string, SlurmState>(
  SLURM_STATES.flatMap((state) => [[state.code, state], [state.name, state]]),
);

/** Looks up a state by compact or long form; `CANCELLED by 0` and `CANCELLED+` read as CANCELLED. */
export function slurmState(text: string): SlurmState | undefined {
  // As printed (`RUNNING`, `PD`) in the common case: no string is built for 10,000 rows.
  const exact = BY_TEXT.get(text);
  if (exact) return exact;
  const word = text.trim().split(/\s+/)[0]?.replace(/\+$/, "").toUpperCase() ?? "";
  return BY_TEXT.get(word);
}

const LAUNCH_FAILURE =
  "SLURM could not launch the job (JobLaunchFailure): check that its working directory and the directories of its log files exist.";

/** What one SLURM row says about a job whose molq state is `current`. */
export function observeSlurmRow(row: SlurmJobRow, current: JobState): Observation {
  const state = slurmState(row.state);
  if (state === undefined || state.outcome === "keep") {
    const detail = state ? state.name : `unknown SLURM state ${row.state}`;
    return { state: keptState(current), detail: withReason(detail, row.reason) };
  }
  const startedAt = row.startedAt;
  switch (state.outcome) {
    case "queued":
      return { state: "queued", detail: queuedDetail(state, row.reason) };
    case "running": {
      const detail = state.name === "RUNNING" ? null : state.name;
      return { state: "running", detail, startedAt };
    }
    case "succeeded":
      return { state: "succeeded", exitCode: 0, startedAt, finishedAt: row.finishedAt };
    case "cancelled": {
      const who = row.cancelledBy === null ? "" : ` by uid ${row.cancelledBy}`;
      return {
        state: "cancelled",
        exitCode: null,
        failureReason: `Cancelled${who}.`,
        // squeue gives a job cancelled while pending its cancel time as start; such a job
        // kept its pending reason, and has no run time.
        startedAt: row.hasRun === false && row.reason !== null ? null : startedAt,
        finishedAt: row.finishedAt,
      };
    }
    case "timed_out":
      return {
        state: "timed_out",
        exitCode: null,
        failureReason: "Killed by SLURM for exceeding its time limit.",
        startedAt,
        finishedAt: row.finishedAt,
      };
    case "failed":
      return { ...failure(state, row), startedAt, finishedAt: row.finishedAt };
    case "submitted":
      return { state: "submitted" }; // not in the table; keeps the switch exhaustive
  }
}

/** squeue does not report exit codes: a FAILED row from it needs the job's file or sacct. */
export function needsExitCode(row: SlurmJobRow): boolean {
  return row.exit === null && slurmState(row.state)?.name === "FAILED" && !isLaunchFailure(row);
}

/** Completes a FAILED observation with an exit code found elsewhere. */
export function withExitCode(observation: Observation, exitCode: number): Observation {
  if (observation.state !== "failed") return observation;
  const failureReason = exitCode === 0
    ? "SLURM reports the job FAILED although its command exited with code 0."
    : describeExit(exitCode);
  return { ...observation, exitCode, failureReason };
}

/**
 * What the job's own files say when SLURM and its accounting no longer know the job.
 * molq's cancel leaves a marker after scancel succeeded: a job that then vanished without
 * an exit code, or with a non-zero one, was cancelled; exit 0 means it finished first.
 */
export function observeJobEvidence(evidence: JobEvidence): Observation | null {
  const times = { startedAt: evidence.startedAt ?? null, finishedAt: evidence.finishedAt ?? null };
  const exitCode = evidence.exitCode;
  if (evidence.cancelled && exitCode !== 0) {
    return {
      state: "cancelled",
      exitCode: exitCode ?? null,
      failureReason: "Cancelled.",
      ...times,
    };
  }
  if (exitCode === undefined) return null;
  if (exitCode === 0) return { state: "succeeded", exitCode, ...times };
  return { state: "failed", exitCode, failureReason: describeExit(exitCode), ...times };
}

function failure(state: SlurmState, row: SlurmJobRow): Observation {
  const exit = row.exit;
  if (state.name !== "FAILED") {
    const code = exit && exit.signal === 0 && exit.code !== 0 ? ` (exit code ${exit.code})` : "";
    return { state: "failed", exitCode: null, failureReason: `${state.why!}${code}` };
  }
  if (isLaunchFailure(row)) {
    return { state: "failed", exitCode: null, failureReason: LAUNCH_FAILURE };
  }
  if (exit === null) {
    const why = row.reason ? ` (${row.reason})` : "";
    return {
      state: "failed",
      exitCode: null,
      failureReason: `SLURM reports the job FAILED${why}.`,
    };
  }
  if (exit.signal !== 0) {
    const signal = `Killed by signal ${exit.signal} (${signalName(exit.signal)}).`;
    return { state: "failed", exitCode: null, failureReason: signal };
  }
  return withExitCode({ state: "failed" }, exit.code);
}

/**
 * squeue says JobLaunchFailure; sacct keeps no reason but an exit code of `0:53` (seen on
 * SLURM 22.05 for a batch script whose --output directory is missing). SLURM 22.05 gives
 * the same reason to a job that ran and was killed for its memory (JobAcctGatherParams=
 * OverMemoryKill; sacct `0:9`): one that has run time was launched.
 */
function isLaunchFailure(row: SlurmJobRow): boolean {
  return (row.reason === "JobLaunchFailure" && row.hasRun !== true) ||
    (row.exit?.code === 0 && row.exit.signal === 53);
}

function queuedDetail(state: SlurmState, reason: string | null): string | null {
  const why = reason === "DependencyNeverSatisfied" ? NEVER_STARTS_DETAIL : reason;
  if (state.name === "PENDING") return why;
  return withReason(state.name, why);
}

function withReason(detail: string, reason: string | null): string {
  return reason === null ? detail : `${detail} (${reason})`;
}

function keptState(current: JobState): Observation["state"] {
  return current === "created" || current === "lost" ? "submitted" : current;
}
