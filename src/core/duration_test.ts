import assert from "node:assert/strict";
import { durationMs, formatClock, formatElapsed, parseDurationSeconds } from "./duration.ts";

Deno.test("parseDurationSeconds() reads every documented form", () => {
  const cases: [string, number][] = [
    ["90", 90],
    ["90s", 90],
    ["30m", 1800],
    ["2h30m", 9000],
    ["1.5h", 5400],
    ["1d", 86400],
    ["01:02:03", 3723],
    ["05:30", 330],
    ["2-01:00:00", 2 * 86400 + 3600],
    ["1d2h", 93600],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
});

Deno.test("parseDurationSeconds() rejects bad values naming the value and the forms", () => {
  for (
    const bad of ["", "abc", "1x", "1:2:3:4", "00:61", "1h1h", "0", "0s", "-5", "2-01:00", "h"]
  ) {
    assert.throws(() => parseDurationSeconds(bad), /^UsageError: Invalid duration/, bad);
  }
});

Deno.test("formatClock() and formatElapsed() are compact", () => {
  assert.equal(formatClock(3723), "01:02:03");
  assert.equal(formatClock(2 * 86400), "48:00:00");
  assert.equal(formatElapsed(45), "45s");
  assert.equal(formatElapsed(192), "3m12s");
  assert.equal(formatElapsed(7500), "2h05m");
  assert.equal(formatElapsed(3 * 86400 + 4 * 3600), "3d04h");
});

Deno.test("durationMs() reads every duration form and milliseconds, keeping fractions", () => {
  assert.equal(durationMs("250ms"), 250);
  assert.equal(durationMs("0.2s"), 200);
  assert.equal(durationMs("1.5"), 1_500);
  assert.equal(durationMs("2h30m"), 9_000_000);
  assert.equal(durationMs("01:30"), 90_000);
  assert.equal(durationMs("0"), 0);
  assert.equal(durationMs("soon"), null);
  assert.equal(durationMs("5x"), null);
});

Deno.test("parseDurationSeconds() refuses a fraction that rounds to no time at all", () => {
  assert.throws(() => parseDurationSeconds("0.4"), /"0\.4": it must be at least 1 second\./);
  assert.throws(() => parseDurationSeconds("0.2s"), /at least 1 second/);
  assert.equal(parseDurationSeconds("0.5"), 1);
  assert.equal(parseDurationSeconds("1.4"), 1);
});
