import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import { parsePollingStrategy } from "./parse_polling_strategy.ts";
import { FixedStrategy } from "./polling_strategy.ts";
import { ExponentialBackoffStrategy } from "./exponential_backoff_strategy.ts";
import { AdaptiveStrategy } from "./adaptive_strategy.ts";

Deno.test("parsePollingStrategy() reads every --poll form", () => {
  assert.deepEqual(parsePollingStrategy("fixed:5s"), new FixedStrategy(5_000));
  assert.deepEqual(parsePollingStrategy("fixed:5"), new FixedStrategy(5_000));
  assert.deepEqual(parsePollingStrategy("fixed:250ms"), new FixedStrategy(250));
  assert.deepEqual(parsePollingStrategy("fixed:0.2s"), new FixedStrategy(200));
  assert.deepEqual(parsePollingStrategy("fixed:1.5"), new FixedStrategy(1_500));
  assert.deepEqual(
    parsePollingStrategy("backoff:0.5s,2,1m"),
    new ExponentialBackoffStrategy(500, 2, 60_000),
  );
  assert.deepEqual(parsePollingStrategy("fixed"), new FixedStrategy(2_000));
  assert.deepEqual(
    parsePollingStrategy("backoff"),
    new ExponentialBackoffStrategy(1_000, 2, 60_000),
  );
  assert.deepEqual(
    parsePollingStrategy("backoff:2s,1.5,5m"),
    new ExponentialBackoffStrategy(2_000, 1.5, 300_000),
  );
  assert.deepEqual(parsePollingStrategy("adaptive:2h"), new AdaptiveStrategy(7_200_000));
  assert.deepEqual(parsePollingStrategy("adaptive"), new AdaptiveStrategy(3_600_000));
  assert.deepEqual(parsePollingStrategy("ADAPTIVE:30m"), new AdaptiveStrategy(1_800_000));
});

Deno.test("parsePollingStrategy() names the problem in a usage error", () => {
  const cases: [string, RegExp][] = [
    ["sometimes", /unknown strategy "sometimes"/],
    ["fixed:", /nothing follows the colon/],
    ["fixed:soon", /"soon" is not a duration/],
    ["fixed:0", /"0" must be at least 1ms/],
    ["fixed:0ms", /"0ms" must be at least 1ms/],
    ["fixed:0.0001s", /"0.0001s" must be at least 1ms/],
    ["backoff:0s,2,1m", /"0s" must be at least 1ms/],
    ["backoff:1s,2", /INITIAL,FACTOR,MAXIMUM/],
    ["backoff:1s,0.5,1m", /factor "0.5"/],
    ["backoff:1m,2,1s", /maximum is below the initial/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parsePollingStrategy(text), (error: unknown) => {
      assert.ok(error instanceof UsageError, text);
      assert.match(error.message, message);
      assert.match(
        error.message,
        new RegExp(`^Invalid --poll "${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`),
      );
      return true;
    });
  }
});
