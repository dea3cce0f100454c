/**
 * The `--poll` forms of the CLI: `fixed:5s`, `backoff`, `backoff:1s,2,60s`, `adaptive`,
 * `adaptive:2h` (durations as everywhere in molq, a bare number is seconds; also `500ms`).
 */
import { UsageError } from "../core/errors.ts";
import { durationMs } from "../core/duration.ts";
import { FixedStrategy, type PollingStrategy } from "./polling_strategy.ts";
import { ExponentialBackoffStrategy } from "./exponential_backoff_strategy.ts";
import { AdaptiveStrategy } from "./adaptive_strategy.ts";

export const POLL_FORMS = "fixed:5s, backoff, backoff:1s,2,60s, adaptive or adaptive:2h";
/** `fixed` alone. */
export const DEFAULT_FIXED_MS = 2_000;
/** `backoff` alone: 1 s, doubling, at most 60 s. */
export const DEFAULT_BACKOFF = { initialMs: 1_000, factor: 2, maximumMs: 60_000 } as const;
/** `adaptive` alone; a job's time limit takes over when it is shorter. */
export const DEFAULT_EXPECTED_RUNTIME_MS = 3_600_000;

export function parsePollingStrategy(text: string): PollingStrategy {
  const at = text.indexOf(":");
  const kind = (at === -1 ? text : text.slice(0, at)).trim().toLowerCase();
  const args = at === -1 ? null : text.slice(at + 1).trim();
  const invalid = (why: string) =>
    new UsageError(`Invalid --poll "${text}": ${why}.`, `Use one of ${POLL_FORMS}.`);
  if (args === "") throw invalid("nothing follows the colon");
  // Polling intervals keep fractions of a second (`0.5s`, `250ms`).
  const duration = (value: string) => {
    const ms = durationMs(value);
    if (ms === null) throw invalid(`"${value}" is not a duration`);
    if (ms < 1) throw invalid(`"${value}" must be at least 1ms`);
    return ms;
  };
  switch (kind) {
    case "fixed":
      return new FixedStrategy(args === null ? DEFAULT_FIXED_MS : duration(args));
    case "adaptive":
      return new AdaptiveStrategy(args === null ? DEFAULT_EXPECTED_RUNTIME_MS : duration(args));
    case "backoff": {
      if (args === null) {
        const { initialMs, factor, maximumMs } = DEFAULT_BACKOFF;
        return new ExponentialBackoffStrategy(initialMs, factor, maximumMs);
      }
      const parts = args.split(",").map((part) => part.trim());
      if (parts.length !== 3) throw invalid("backoff takes INITIAL,FACTOR,MAXIMUM");
      const [initial, factorText, maximum] = parts as [string, string, string];
      const factor = Number(factorText);
      if (!/^\d+(\.\d+)?$/.test(factorText) || factor < 1) {
        throw invalid(`the factor "${factorText}" must be a number of at least 1`);
      }
      const initialMs = duration(initial);
      const maximumMs = duration(maximum);
      if (maximumMs < initialMs) throw invalid("the maximum is below the initial delay");
      return new ExponentialBackoffStrategy(initialMs, factor, maximumMs);
    }
    default:
      throw invalid(`unknown strategy "${kind}"`);
  }
}
