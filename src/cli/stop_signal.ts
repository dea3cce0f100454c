import { after } from "../core/timers.ts";

/** A stop request that sleeping loops wake up for (signals, `molq daemon --stop`, a lost lease). */
export class StopSignal {
  #reason: string | null = null;
  readonly #sleepers = new Set<() => void>();

  /** Why the stop was asked for, or null while none was. */
  get reason(): string | null {
    return this.#reason;
  }

  request(reason: string): void {
    this.#reason ??= reason;
    this.wake();
  }

  /** Ends every sleep now (without asking to stop). */
  wake(): void {
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
  }

  /** Sleeps `ms`, or less when woken or stopped. */
  sleep(ms: number): Promise<void> {
    if (this.#reason !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = after(ms, done);
      this.#sleepers.add(done);
    });
  }
}
