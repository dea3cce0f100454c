import assert from "node:assert/strict";
import { AdaptiveStrategy } from "./adaptive_strategy.ts";
import type { PollJob } from "./polling_strategy.ts";
import { sequence } from "./_strategy_sequence.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function running(startedAt: number, timeLimitSeconds: number | null = null): PollJob {
  return { state: "running", startedAt, timeLimitSeconds };
}

Deno.test("AdaptiveStrategy is sparse early, dense near the expected end, then backs off", () => {
  const strategy = new AdaptiveStrategy(10 * MIN);
  assert.equal(strategy.minIntervalMs, 10_000);
  assert.equal(strategy.maxIntervalMs, 150_000);
  assert.deepEqual(
    sequence(strategy, 14).map((ms) => Math.round(ms / 100) / 10),
    [150, 150, 150, 75, 37.5, 18.8, 10, 10, 10, 10, 10.6, 15.9, 23.9, 35.9],
  );
  assert.equal(strategy.nextDelayMs(3 * 3_600_000, 99), 150_000, "long overrun: maximum");
});

Deno.test("AdaptiveStrategy measures a running job's runtime from its start (injected clock)", () => {
  const strategy = new AdaptiveStrategy(10 * MIN);
  const at = (minutes: number, job: PollJob) =>
    strategy.nextDelayMs(0, 0, { now: T0 + minutes * MIN, jobs: [job] });
  const job = running(T0);
  assert.equal(at(1, job), 150_000, "9 min left: the maximum");
  assert.equal(at(9, job), 30_000, "1 min left: half of it");
  assert.equal(at(10, job), 10_000, "at the expected end: the minimum");
  assert.equal(at(14, job), 120_000, "4 min over: half the overrun");
});

Deno.test("AdaptiveStrategy treats a job still queued as starting now", () => {
  const strategy = new AdaptiveStrategy(10 * MIN);
  const queued: PollJob = { state: "queued", startedAt: null, timeLimitSeconds: null };
  assert.equal(strategy.nextDelayMs(20 * MIN, 7, { now: T0, jobs: [queued] }), 150_000);
});

Deno.test("AdaptiveStrategy never sleeps past a running job's time limit", () => {
  const strategy = new AdaptiveStrategy(3_600_000, { minIntervalMs: 5_000 });
  const job = running(T0, 600); // a 10 min limit, expected 1 h: the limit is the estimate
  const at = (ms: number) => strategy.nextDelayMs(0, 0, { now: T0 + ms, jobs: [job] });
  assert.equal(at(9 * MIN + 58_000), 2_000, "2 s before the limit: wake at the limit");
  assert.equal(at(10 * MIN), 5_000, "at the limit: the minimum while it is killed");
  assert.equal(at(11 * MIN), 5_000, "past the limit: still the minimum");
  for (let ms = 0; ms < 10 * MIN; ms += 7_919) {
    assert.ok(ms + at(ms) <= 10 * MIN, `a delay from ${ms} ms ends after the limit`);
  }
});

Deno.test("AdaptiveStrategy follows the job that needs the soonest look", () => {
  const strategy = new AdaptiveStrategy(10 * MIN);
  const early = running(T0 + 9 * MIN); // 1 min into its 10
  const late = running(T0); // at its expected end
  assert.equal(strategy.nextDelayMs(0, 0, { now: T0 + 10 * MIN, jobs: [early, late] }), 10_000);
});

Deno.test("AdaptiveStrategy rejects impossible settings", () => {
  assert.throws(() => new AdaptiveStrategy(0), RangeError);
  assert.throws(
    () => new AdaptiveStrategy(MIN, { minIntervalMs: 10_000, maxIntervalMs: 5_000 }),
    RangeError,
  );
});
