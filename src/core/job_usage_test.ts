import assert from "node:assert/strict";
import {
  averageCpusBusy,
  cpuEfficiency,
  emptyUsage,
  isEmptyUsage,
  memoryShare,
  mergeUsage,
  sameFigures,
  timeShare,
  usageFromJson,
} from "./job_usage.ts";

Deno.test("mergeUsage() takes each figure from the first source that has it, with its source", () => {
  const sacct = {
    ...emptyUsage(),
    elapsedSeconds: 10,
    sources: { elapsed: "sacct ElapsedRaw" },
  };
  const wrapper = {
    ...emptyUsage(),
    elapsedSeconds: 11,
    cpuSeconds: 9,
    peakMemoryBytes: 1000,
    memorySampled: true,
    sources: { elapsed: "wrapper", cpu: "wrapper times", memory: "wrapper samples" },
  };
  const merged = mergeUsage(sacct, wrapper);
  assert.equal(merged.elapsedSeconds, 10);
  assert.equal(merged.cpuSeconds, 9);
  assert.equal(merged.memorySampled, true);
  assert.deepEqual(merged.sources, {
    elapsed: "sacct ElapsedRaw",
    cpu: "wrapper times",
    memory: "wrapper samples",
  });
  assert.equal(sacct.cpuSeconds, null, "the inputs stay as they were");
});

Deno.test("derived shares are null whenever a part is unknown or zero", () => {
  const usage = { ...emptyUsage(), cpuSeconds: 30, elapsedSeconds: 10, cpus: 4 };
  assert.equal(cpuEfficiency(usage), 0.75);
  assert.equal(averageCpusBusy(usage), 3);
  assert.equal(cpuEfficiency({ ...usage, cpus: null }), null);
  assert.equal(cpuEfficiency({ ...usage, elapsedSeconds: 0 }), null);
  assert.equal(memoryShare({ ...usage, peakMemoryBytes: 1, memoryRequestBytes: 4 }), 0.25);
  assert.equal(memoryShare(usage), null);
  assert.equal(timeShare({ ...usage, timeLimitSeconds: 100 }), 0.1);
  assert.equal(timeShare(usage), null);
});

Deno.test("usageFromJson() reads stored figures back and drops what is not a figure", () => {
  const stored = JSON.parse(JSON.stringify({
    ...emptyUsage(),
    cpuSeconds: 2,
    peakMemoryBytes: -5,
    elapsedSeconds: "3",
    sources: { cpu: "sacct TotalCPU", memory: 7 },
  }));
  const usage = usageFromJson(stored);
  assert.equal(usage.cpuSeconds, 2);
  assert.equal(usage.peakMemoryBytes, null);
  assert.equal(usage.elapsedSeconds, null);
  assert.deepEqual(usage.sources, { cpu: "sacct TotalCPU" });
  assert.deepEqual(usageFromJson(null), emptyUsage());
  assert.ok(isEmptyUsage(usageFromJson("garbage")));
  assert.ok(sameFigures(usage, { ...usage, sources: {} }), "sources aside");
  assert.ok(!sameFigures(usage, { ...usage, cpuSeconds: 3 }));
});
