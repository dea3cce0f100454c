import assert from "node:assert/strict";
import { FixedStrategy } from "./polling_strategy.ts";
import { sequence } from "./_strategy_sequence.ts";

Deno.test("FixedStrategy gives the same interval every time", () => {
  assert.deepEqual(sequence(new FixedStrategy(5_000), 4), [5_000, 5_000, 5_000, 5_000]);
  assert.throws(() => new FixedStrategy(0), RangeError);
});
