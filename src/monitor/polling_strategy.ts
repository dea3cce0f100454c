/** How long a waiter sleeps between looks at its jobs. */

export interface PollingStrategy {
  /** Delay before the next look, given how long the wait has lasted and how many looks were made. */
  nextDelayMs(elapsedMs: number, attempt: number): number;
}

/** The same interval every time: `FixedStrategy(5000)` → 5 s, 5 s, 5 s, ... */
export class FixedStrategy implements PollingStrategy {
  constructor(readonly intervalMs: number) {
    if (!(intervalMs > 0)) throw new RangeError("FixedStrategy needs an interval above zero");
  }

  nextDelayMs(): number {
    return this.intervalMs;
  }
}
