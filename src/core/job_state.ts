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

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
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
