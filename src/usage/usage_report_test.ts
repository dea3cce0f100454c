import assert from "node:assert/strict";
import { spread, summarizeUsage } from "./usage_report.ts";
import { GIB, MIB, usageWith } from "./_usage_fixture.ts";

const done = (elapsed: number, cpu: number, peak: number | null) => ({
  state: "succeeded" as const,
  failureReason: null,
  usage: usageWith({
    elapsedSeconds: elapsed,
    cpuSeconds: cpu,
    cpus: 2,
    peakMemoryBytes: peak,
    memoryRequestBytes: 4 * GIB,
    timeLimitSeconds: 3600,
  }),
});

Deno.test("spread() gives min, median (mean of the middle two) and max", () => {
  assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3, known: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4, known: 4 });
  assert.equal(spread([]), null);
});

Deno.test("summarizeUsage() counts states and spreads the figures jobs have", () => {
  const summary = summarizeUsage([
    done(60, 60, GIB),
    done(120, 200, 2 * GIB),
    done(90, 90, null),
    { state: "failed", failureReason: "Exited with code 1.", usage: null },
  ]);
  assert.equal(summary.jobs, 4);
  assert.deepEqual(summary.counts, { succeeded: 3, failed: 1 });
  assert.deepEqual(summary.elapsedSeconds, { min: 60, median: 90, max: 120, known: 3 });
  assert.deepEqual(summary.peakMemoryBytes, {
    min: GIB,
    median: 1.5 * GIB,
    max: 2 * GIB,
    known: 2,
  });
  assert.equal(summary.cpuEfficiency?.max, 200 / 240);
  assert.equal(summary.next.mem?.flag, "3G", "2 GiB + 20 %");
  assert.equal(summary.next.time?.flag, "5m", "120 s + 50 %, in 5-minute steps");
  assert.equal(summary.next.cpus?.value, 2);
});

Deno.test("summarizeUsage() doubles the request after out-of-memory kills and time-outs", () => {
  const summary = summarizeUsage([
    done(60, 60, GIB),
    {
      state: "failed",
      failureReason: "Ran out of memory.",
      usage: usageWith({ memoryRequestBytes: 500 * MIB, peakMemoryBytes: 499 * MIB }),
    },
    {
      state: "timed_out",
      failureReason: "Killed after exceeding its time limit.",
      usage: usageWith({ timeLimitSeconds: 1800, elapsedSeconds: 1805 }),
    },
  ]);
  assert.equal(summary.next.mem?.flag, "1000M");
  assert.match(summary.next.mem!.why, /1 ran out of memory/);
  assert.equal(summary.next.time?.flag, "1h");
  assert.match(summary.next.time!.why, /1 hit a time limit/);
});
