/** The nine job states of molq and the rules for moving between them. */

export const JOB_STATES = [
  "created",
  "submitted",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
] as const;

/** A job's state: one of the nine lower-case names stored in records and JSON. */
export type JobState = typeof JOB_STATES[number];

/** The states a job never leaves. */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
]);

/** The states a reconciler still asks the scheduler about. */
export const ACTIVE_STATES: readonly JobState[] = JOB_STATES.filter((s) => !TERMINAL_STATES.has(s));

const RANK: Record<JobState, number> = {
  created: 0,
  submitted: 1,
  queued: 2,
  running: 3,
  succeeded: 4,
  failed: 4,
  cancelled: 4,
  timed_out: 4,
  lost: 4,
};

/** True exactly for the five final states: succeeded, failed, cancelled, timed_out, lost. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * The states as named constants, and `JobState.isTerminal(state)`. Each constant is the
 * stored lower-case string, so `record.state === JobState.SUCCEEDED` reads naturally and
 * stored records and JSON keep their values. `Object.values(JobState)` lists the nine
 * states (isTerminal is not enumerable).
 *
 * ```ts
 * import { JobState } from "./mod.ts";
 * JobState.TIMED_OUT; // "timed_out"
 * JobState.isTerminal(JobState.FAILED); // true
 * ```
 */
export const JobState: JobStateConstants = Object.freeze(
  Object.defineProperty(
    {
      CREATED: "created",
      SUBMITTED: "submitted",
      QUEUED: "queued",
      RUNNING: "running",
      SUCCEEDED: "succeeded",
      FAILED: "failed",
      CANCELLED: "cancelled",
      TIMED_OUT: "timed_out",
      LOST: "lost",
    } as const,
    "isTerminal",
    { value: isTerminal, enumerable: false },
  ) as JobStateConstants,
);

/** The type of the `JobState` value: one constant per state, and `isTerminal`. */
export interface JobStateConstants {
  readonly CREATED: "created";
  readonly SUBMITTED: "submitted";
  readonly QUEUED: "queued";
  readonly RUNNING: "running";
  readonly SUCCEEDED: "succeeded";
  readonly FAILED: "failed";
  readonly CANCELLED: "cancelled";
  readonly TIMED_OUT: "timed_out";
  readonly LOST: "lost";
  /** True exactly for the five final states. */
  isTerminal(state: JobState): boolean;
}

export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

/**
 * States only move forward (created → submitted → queued → running → terminal;
 * skipping is allowed) and a terminal state never changes.
 */
export function canTransition(from: JobState, to: JobState): boolean {
  if (isTerminal(from)) return false;
  return RANK[to] > RANK[from];
}
