import assert from "node:assert/strict";
import { parseBhist, parseBjobsJson, parseLsfMemory, parseLsfSeconds } from "./lsf_parse.ts";
import { lsfUsage } from "./lsf_usage.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/lsf/${name}`, import.meta.url));

Deno.test("lsfUsage() reads bjobs' cpu_used, max_mem, run_time and slots", () => {
  const [done, hms, quick] = parseBjobsJson(sample("bjobs_usage.json")).statuses;
  const usage = lsfUsage(done!, "bjobs");
  assert.equal(usage.cpuSeconds, 236.4);
  assert.equal(usage.peakMemoryBytes, Math.round(1.8 * 1024 ** 3));
  assert.equal(usage.elapsedSeconds, 62);
  assert.equal(usage.cpus, 4);
  assert.deepEqual(usage.sources, {
    cpu: "bjobs cpu_used",
    memory: "bjobs max_mem",
    elapsed: "bjobs run_time",
    cpus: "bjobs slots",
  });
  const short = lsfUsage(hms!, "bjobs");
  assert.deepEqual([short.cpuSeconds, short.elapsedSeconds], [1, 1], "-hms forms");
  assert.equal(short.peakMemoryBytes, 522 * 1024 ** 2);
  const none = lsfUsage(quick!, "bjobs");
  assert.equal(none.peakMemoryBytes, null, "never sampled");
  assert.equal(none.cpuSeconds, 0);
});

Deno.test("lsfUsage() takes the CPU time from bhist for jobs bjobs forgot", () => {
  const [done] = parseBhist(sample("bhist_l.txt"));
  assert.equal(done!.cpuSeconds, 0.1);
  const usage = lsfUsage(done!, "bhist");
  assert.equal(usage.sources.cpu, "bhist (CPU time used)");
  assert.equal(usage.peakMemoryBytes, null);
});

Deno.test("parseLsfSeconds() and parseLsfMemory() read LSF's forms", () => {
  assert.equal(parseLsfSeconds("87 second(s)"), 87);
  assert.equal(parseLsfSeconds("0.32 second(s)"), 0.32);
  assert.equal(parseLsfSeconds("01:02:03"), 3723);
  assert.equal(parseLsfSeconds("-"), null);
  assert.equal(parseLsfSeconds(""), null);
  assert.equal(parseLsfMemory("25 Mbytes"), 25 * 1024 ** 2);
  assert.equal(parseLsfMemory("100 Kbytes"), 100 * 1024);
  assert.equal(parseLsfMemory("5.2 Gbytes"), Math.round(5.2 * 1024 ** 3));
  assert.equal(parseLsfMemory("0 Mbytes"), null, "0: not sampled");
  assert.equal(parseLsfMemory("-"), null);
});
