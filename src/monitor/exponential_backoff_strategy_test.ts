import assert from "node:assert/strict";
import { ExponentialBackoffStrategy } from "./exponential_backoff_strategy.ts";
import { sequence } from "./_strategy_sequence.ts";

Deno.test("ExponentialBackoffStrategy multiplies by its factor up to the maximum", () => {
  assert.deepEqual(
    sequence(new ExponentialBackoffStrategy(1_000, 2, 60_000), 9),
    [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
  assert.deepEqual(
    sequence(new ExponentialBackoffStrategy(500, 1.5, 2_000), 5),
    [500, 750, 1_125, 1_687.5, 2_000],
  );
});

Deno.test("ExponentialBackoffStrategy stays at the maximum after very many looks", () => {
  const strategy = new ExponentialBackoffStrategy(1_000, 2, 60_000);
  assert.equal(strategy.nextDelayMs(0, 5_000), 60_000);
  assert.equal(strategy.nextDelayMs(0, Number.MAX_SAFE_INTEGER), 60_000);
});

Deno.test("ExponentialBackoffStrategy rejects impossible settings", () => {
  assert.throws(() => new ExponentialBackoffStrategy(0, 2, 10), RangeError);
  assert.throws(() => new ExponentialBackoffStrategy(1_000, 0.5, 10_000), RangeError);
  assert.throws(() => new ExponentialBackoffStrategy(1_000, 2, 500), RangeError);
});
