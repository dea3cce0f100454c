/** Test helper: the delays a strategy gives when each is fed back as elapsed time. */
import type { PollingStrategy } from "./polling_strategy.ts";

/** The first `n` delays, feeding each back as elapsed time (an injected clock). */
export function sequence(strategy: PollingStrategy, n: number): number[] {
  const delays: number[] = [];
  let elapsed = 0;
  for (let attempt = 0; attempt < n; attempt++) {
    const delay = strategy.nextDelayMs(elapsed, attempt);
    delays.push(delay);
    elapsed += delay;
  }
  return delays;
}
