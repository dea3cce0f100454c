/**
 * How a job tells its user that it ended: frozen into the job's request at submission
 * (from `[notify]` and the submit flags), so whichever molq process records the end —
 * cron, a monitor, a library script without the config — knows what to do.
 */
import type { JobState } from "./job_state.ts";

export type FinalState = Extract<
  JobState,
  "succeeded" | "failed" | "cancelled" | "timed_out" | "lost"
>;

export const FINAL_STATES: readonly FinalState[] = [
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
];

/** Without `on`: every end that is not a success. */
export const DEFAULT_NOTIFY_STATES: readonly FinalState[] = [
  "failed",
  "timed_out",
  "lost",
  "cancelled",
];

export const DEFAULT_NOTIFY_TIMEOUT_SECONDS = 30;

export interface NotifyPolicy {
  /** The final states that notify. */
  on: FinalState[];
  /** Run with the job's facts in MOLQ_* environment variables. */
  command?: string[];
  /** Mailed through the local sendmail or mail program. */
  mail?: string;
  /** A command or mail taking longer is killed (and retried on a later pass). */
  timeoutSeconds: number;
  /** Notify for every task of an array too, not only once the whole array has ended. */
  arrayTasks: boolean;
}

/** Whether a record ending in `state` notifies (array tasks only when asked for). */
export function notifies(
  policy: NotifyPolicy | undefined,
  state: JobState,
  isArrayTask: boolean,
): boolean {
  if (!policy || (policy.command === undefined && policy.mail === undefined)) return false;
  if (isArrayTask && !policy.arrayTasks) return false;
  return (policy.on as readonly JobState[]).includes(state);
}
