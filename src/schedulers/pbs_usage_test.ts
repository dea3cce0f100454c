import assert from "node:assert/strict";
import { parseQstatFull, parseQstatJson } from "./pbs_parse.ts";
import { parsePbsSize, pbsCpus, pbsUsage } from "./pbs_usage.ts";

const KIB = 1024;
const GIB = 1024 ** 3;

function sample(name: string): string {
  return Deno.readTextFileSync(new URL(`../../testdata/pbs/${name}`, import.meta.url));
}

Deno.test("pbsUsage() reads PBS Pro's resources_used against its Resource_List", () => {
  const [fit, full, quick] = parseQstatJson(sample("qstat_pro_usage.json"));
  const usage = pbsUsage(fit!);
  assert.equal(usage.cpuSeconds, 238);
  assert.equal(usage.elapsedSeconds, 62);
  assert.equal(usage.cpus, 4);
  assert.equal(usage.peakMemoryBytes, 1843200 * KIB);
  assert.equal(usage.memoryRequestBytes, 8 * GIB);
  assert.equal(usage.timeLimitSeconds, 3600);
  assert.deepEqual(usage.sources, {
    cpu: "qstat resources_used.cput",
    memory: "qstat resources_used.mem",
    elapsed: "qstat resources_used.walltime",
    cpus: "qstat Resource_List.ncpus",
    memoryRequest: "qstat Resource_List.mem",
    timeLimit: "qstat Resource_List.walltime",
  });
  assert.equal(pbsUsage(full!).peakMemoryBytes, 2 * GIB);
  const none = pbsUsage(quick!);
  assert.equal(none.memoryRequestBytes, null, "no mem in the Resource_List: unknown");
  assert.equal(none.cpuSeconds, 0, "PBS says 0 s: a figure PBS measured");
  assert.equal(none.peakMemoryBytes, null, "0kb: never sampled, not a peak");
});

Deno.test("pbsUsage() reads Torque's -f -1 text and its nodes=N:ppn=M", () => {
  const [fit] = parseQstatFull(sample("qstat_torque_usage.txt"));
  const usage = pbsUsage(fit!);
  assert.equal(usage.cpuSeconds, 460);
  assert.equal(usage.cpus, 8, "2 nodes × 4 ppn");
  assert.equal(usage.sources.cpus, "qstat Resource_List.nodes");
  assert.equal(usage.peakMemoryBytes, 3 * GIB);
  assert.equal(usage.memoryRequestBytes, 16 * GIB);
  assert.equal(usage.timeLimitSeconds, 4 * 3600);
  const [running] = parseQstatFull(sample("qstat_torque.txt"));
  assert.equal(pbsUsage(running!).peakMemoryBytes, 3260 * KIB);
});

Deno.test("parsePbsSize() and pbsCpus() read PBS's units and node specs", () => {
  assert.equal(parsePbsSize("5620kb"), 5620 * KIB);
  assert.equal(parsePbsSize("8gb"), 8 * GIB);
  assert.equal(parsePbsSize("8GB"), 8 * GIB);
  assert.equal(parsePbsSize("1024"), 1024, "bytes without a unit");
  assert.equal(parsePbsSize("2mw"), 2 * 8 * 1024 ** 2, "words of 8 bytes");
  assert.equal(parsePbsSize("lots"), null);
  assert.equal(parsePbsSize(undefined), null);
  assert.equal(pbsCpus({ ncpus: "16" }), 16);
  assert.equal(pbsCpus({ nodes: "2:ppn=8+1:ppn=2" }), 18);
  assert.equal(pbsCpus({ nodes: "node01:ppn=4" }), 4);
  assert.equal(pbsCpus({ nodes: "3" }), 3);
  assert.equal(pbsCpus({}), null);
});
