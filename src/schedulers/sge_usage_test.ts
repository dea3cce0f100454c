import assert from "node:assert/strict";
import { parseQacctOutput } from "./sge_qacct.ts";
import { sgeUsage } from "./sge_usage.ts";

const captured = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/sge/${name}`, import.meta.url));

Deno.test("sgeUsage() takes wallclock, cpu, slots and maxvmem from a captured SoGE record", () => {
  const [record] = parseQacctOutput(captured("qacct-soge-exit3.txt"));
  const usage = sgeUsage(record!, { memoryRequestBytes: 2 * 1024 ** 3, timeLimitSeconds: 600 });
  assert.equal(usage.elapsedSeconds, 1);
  assert.equal(usage.cpuSeconds, 0.011);
  assert.equal(usage.cpus, 1);
  assert.equal(usage.peakMemoryBytes, null, "maxvmem 0.000B was never sampled: unknown");
  assert.equal(usage.memoryRequestBytes, 2 * 1024 ** 3);
  assert.equal(usage.timeLimitSeconds, 600);
  assert.deepEqual(usage.sources, {
    elapsed: "qacct ru_wallclock",
    cpu: "qacct cpu",
    cpus: "qacct slots",
    memoryRequest: "--mem",
    timeLimit: "--time",
  });
});

Deno.test("sgeUsage() reads a sampled peak, and nothing it was not told", () => {
  const [record] = parseQacctOutput(captured("qacct-soge-batch.txt"));
  const sampled = { ...record!, maxvmemBytes: 7.4 * 1024 ** 3 };
  const usage = sgeUsage(sampled, { memoryRequestBytes: null, timeLimitSeconds: null });
  assert.equal(usage.peakMemoryBytes, 7.4 * 1024 ** 3);
  assert.equal(usage.sources.memory, "qacct maxvmem (virtual memory)");
  assert.equal(usage.memoryRequestBytes, null);
  assert.equal(usage.timeLimitSeconds, null);
});
