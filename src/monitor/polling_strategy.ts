/**
 * How long a waiter sleeps between looks at its jobs. Strategies are pure: the delay
 * depends only on their arguments, so they are tested with an injected clock.
 */
import type { JobState } from "../core/job_state.ts";

/** What a strategy may know about one job it waits for. */
export interface PollJob {
  state: JobState;
  /** Epoch milliseconds, once the job runs. */
  startedAt: number | null;
  timeLimitSeconds: number | null;
}

/** The moment of the decision and the jobs still open. */
export interface PollContext {
  /** Epoch milliseconds. */
  now: number;
  jobs: readonly PollJob[];
}

/** How long to wait before the next look (FixedStrategy, ExponentialBackoffStrategy, ...). */
export interface PollingStrategy {
  /**
   * Delay before the next look, given how long the wait has lasted, how many looks were
   * made before (0 for the first delay) and, when the caller knows them, the open jobs.
   */
  nextDelayMs(elapsedMs: number, attempt: number, context?: PollContext): number;
}

/** The same interval every time: `new FixedStrategy(5_000)` → 5 s, 5 s, 5 s, … */
export class FixedStrategy implements PollingStrategy {
  constructor(readonly intervalMs: number) {
    if (!(intervalMs > 0)) throw new RangeError("FixedStrategy needs an interval above zero");
  }

  nextDelayMs(): number {
    return this.intervalMs;
  }
}
