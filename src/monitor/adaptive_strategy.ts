/** Polling shaped by how long the jobs are expected to run. */
import type { PollContext, PollingStrategy, PollJob } from "./polling_strategy.ts";

/** The bounds of AdaptiveStrategy's delays. */
export interface AdaptiveOptions {
  /** Shortest delay (near the expected end); default expected/60, within 1 s … 30 s. */
  minIntervalMs?: number;
  /** Longest delay (far from it); default expected/4, within the minimum … 10 min. */
  maxIntervalMs?: number;
}

/**
 * Sparse far from a job's expected end and dense near it: the delay is half the distance
 * between the job's runtime and `expectedRuntimeMs` (before the end: the time left; after
 * it: the overrun), kept between a minimum and a maximum. A job's expected runtime is
 * never taken past its time limit, a running job is never slept past its time limit, and
 * past the limit (the job is being killed) the minimum applies. With several jobs the
 * shortest delay wins. Without a context, the wait's elapsed time stands for the runtime.
 *
 * `new AdaptiveStrategy(600_000)` (10 min; min 10 s, max 150 s) for a job started when
 * the wait began → 150 s, 150 s, 150 s, 75 s, 37.5 s, 18.75 s, 10 s, 10 s, 10 s, 10 s
 * around the expected end, then half as long again per look while it overruns (10.6 s,
 * 15.9 s, 23.9 s, …, up to 150 s). A job with `--time 5m` is looked at no later than
 * at its 5 minute mark, and every 10 s after it (it is being killed).
 * A job still queued counts as starting now, so it is looked at every maximum interval.
 */
export class AdaptiveStrategy implements PollingStrategy {
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;

  constructor(readonly expectedRuntimeMs: number, options: AdaptiveOptions = {}) {
    if (!(expectedRuntimeMs > 0)) {
      throw new RangeError("AdaptiveStrategy needs an expected runtime above zero");
    }
    this.minIntervalMs = options.minIntervalMs ?? clamp(expectedRuntimeMs / 60, 1_000, 30_000);
    this.maxIntervalMs = options.maxIntervalMs ??
      clamp(expectedRuntimeMs / 4, this.minIntervalMs, 600_000);
    if (!(this.minIntervalMs > 0) || this.maxIntervalMs < this.minIntervalMs) {
      throw new RangeError("AdaptiveStrategy needs 0 < minimum interval <= maximum interval");
    }
  }

  nextDelayMs(elapsedMs: number, _attempt: number, context?: PollContext): number {
    if (!context || context.jobs.length === 0) {
      return this.#curve(elapsedMs, this.expectedRuntimeMs);
    }
    return Math.min(...context.jobs.map((job) => this.#delayFor(job, context.now)));
  }

  #delayFor(job: PollJob, now: number): number {
    const limitMs = job.timeLimitSeconds === null ? null : job.timeLimitSeconds * 1000;
    const expectedMs = limitMs === null
      ? this.expectedRuntimeMs
      : Math.min(this.expectedRuntimeMs, limitMs);
    if (job.state !== "running" || job.startedAt === null) return this.#curve(0, expectedMs);
    const runtimeMs = Math.max(0, now - job.startedAt);
    const delay = this.#curve(runtimeMs, expectedMs);
    if (limitMs === null) return delay;
    const untilLimitMs = job.startedAt + limitMs - now;
    return untilLimitMs > 0 ? Math.min(delay, untilLimitMs) : this.minIntervalMs;
  }

  #curve(runtimeMs: number, expectedMs: number): number {
    return clamp(Math.abs(expectedMs - runtimeMs) / 2, this.minIntervalMs, this.maxIntervalMs);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
