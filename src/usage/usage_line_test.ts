import assert from "node:assert/strict";
import { formatUsageLine } from "./usage_line.ts";
import { GIB, MIB, usageWith } from "./_usage_fixture.ts";

Deno.test("formatUsageLine() shows efficiency, memory share and time share when all is known", () => {
  const line = formatUsageLine(usageWith({
    elapsedSeconds: 4,
    cpuSeconds: 3.34,
    cpus: 1,
    peakMemoryBytes: 215 * MIB,
    memoryRequestBytes: GIB,
    timeLimitSeconds: 600,
  }));
  assert.equal(
    line,
    "cpu 3.3s (84% of 4s × 1 CPU) · memory 215 MiB peak, 21% of 1 GiB · elapsed 4s, 0.7% of 10m limit",
  );
});

Deno.test("formatUsageLine() says unknown, and sampled, instead of inventing figures", () => {
  assert.equal(
    formatUsageLine(usageWith({})),
    "cpu unknown · memory unknown · elapsed unknown",
  );
  assert.equal(
    formatUsageLine(usageWith({ memoryRequestBytes: 4 * GIB })),
    "cpu unknown · memory unknown of 4 GiB · elapsed unknown",
  );
  const local = usageWith({
    elapsedSeconds: 3,
    cpuSeconds: 2.95,
    peakMemoryBytes: 213 * MIB,
    memorySampled: true,
  });
  assert.equal(
    formatUsageLine(local),
    "cpu 3s (1.0 CPUs busy on average) · memory 213 MiB peak (sampled) · elapsed 3s",
  );
  const many = usageWith({ elapsedSeconds: 100, cpuSeconds: 390, cpus: 8 });
  assert.match(formatUsageLine(many), /^cpu 6m30s \(49% of 1m40s × 8 CPUs\)/);
});
