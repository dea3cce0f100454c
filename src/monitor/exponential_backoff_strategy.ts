/** Polling that starts fast and backs off, for jobs whose runtime is unknown. */
import type { PollingStrategy } from "./polling_strategy.ts";

/**
 * Delays grow by `factor` from `initialMs` up to `maximumMs`:
 * `new ExponentialBackoffStrategy(1_000, 2, 60_000)` → 1 s, 2 s, 4 s, 8 s, 16 s, 32 s,
 * 60 s, 60 s, … A short job is seen finishing quickly; a long one costs few queries.
 */
export class ExponentialBackoffStrategy implements PollingStrategy {
  constructor(readonly initialMs: number, readonly factor: number, readonly maximumMs: number) {
    if (!(initialMs > 0)) {
      throw new RangeError("ExponentialBackoffStrategy needs an initial delay above zero");
    }
    if (!(factor >= 1)) {
      throw new RangeError("ExponentialBackoffStrategy needs a factor of 1 or more");
    }
    if (!(maximumMs >= initialMs)) {
      throw new RangeError(
        "ExponentialBackoffStrategy needs a maximum of at least the initial delay",
      );
    }
  }

  nextDelayMs(_elapsedMs: number, attempt: number): number {
    // Capped before the power overflows for very long waits.
    const grown = this.initialMs * this.factor ** Math.min(Math.max(attempt, 0), 1_000);
    return Math.min(grown, this.maximumMs);
  }
}
