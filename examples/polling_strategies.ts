/**
 * The three polling strategies behind every wait: fixed, exponential backoff, adaptive.
 * Twin of "Polling Strategies" (`molq.strategies`); here they come from mod.ts.
 *
 *     deno run -A examples/polling_strategies.ts
 */
import {
  AdaptiveStrategy,
  ExponentialBackoffStrategy,
  FixedStrategy,
  type PollingStrategy,
  Submitor,
} from "../mod.ts";

const strategies: [string, PollingStrategy][] = [
  // Simple fixed-interval polling: a look every 500 ms.
  ["fixed", new FixedStrategy(500)],
  // Lower scheduler pressure for long jobs: 250 ms, then ×2 each look, at most 4 s.
  ["backoff", new ExponentialBackoffStrategy(250, 2, 4_000)],
  // Cadence from the expected runtime: sparse early, dense near the expected end.
  ["adaptive", new AdaptiveStrategy(2_000, { minIntervalMs: 200, maxIntervalMs: 1_000 })],
];

const submitor = new Submitor({ scheduler: "local" });
try {
  for (const [name, strategy] of strategies) {
    const job = await submitor.submit({ argv: ["sleep", "1"], name: `poll-${name}` });
    let looks = 0;
    const record = await job.wait({ strategy, timeoutMs: 60_000, onProgress: () => looks++ });
    console.log(`${name}: ${record.state} after ${looks} looks`);
  }
} finally {
  submitor.close();
}
