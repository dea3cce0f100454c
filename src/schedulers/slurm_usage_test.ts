import assert from "node:assert/strict";
import {
  accountingComplete,
  parseReqMem,
  parseSacctUsage,
  parseSlurmCpuTime,
  parseSlurmMemory,
  slurmUsage,
  tresMemory,
} from "./slurm_usage.ts";

const MIB = 1024 ** 2;

function sample(name: string): string {
  return Deno.readTextFileSync(new URL(`../../testdata/slurm/${name}`, import.meta.url));
}

Deno.test("parseSacctUsage() folds a job's step rows into its allocation (captured, gather on)", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_mixed.txt"));
  assert.deepEqual([...jobs.keys()], ["313", "314", "316", "315_0", "315_1"]);
  const job = jobs.get("313")!;
  assert.equal(job.final, true);
  assert.equal(job.elapsedSeconds, 4);
  assert.equal(job.totalCpuSeconds, 1.695);
  assert.equal(job.allocCpus, 2);
  assert.equal(job.timeLimitSeconds, 600);
  assert.equal(job.allocMemBytes, null, "CR_Core: AllocTRES names no memory");
  assert.equal(job.reqMemBytes, 400 * MIB);
  assert.equal(job.maxRssBytes, Math.round(214.68 * MIB));
  assert.equal(job.stepMemBytes, Math.round(214.68 * MIB));
  assert.equal(job.gathered, true);
  assert.equal(accountingComplete(job), true);
  const usage = slurmUsage(job, 400 * MIB);
  assert.equal(usage.cpuSeconds, 1.695);
  assert.equal(usage.peakMemoryBytes, Math.round(214.68 * MIB));
  assert.equal(usage.memoryRequestBytes, 400 * MIB);
  assert.equal(usage.sources.memoryRequest, "molq request (--mem)");
  assert.equal(usage.sources.cpu, "sacct TotalCPU");
  assert.match(usage.sources.memory!, /TRESUsageInTot/);
});

Deno.test("parseSacctUsage() keys array tasks by their JobID and keeps a step without figures", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_mixed.txt"));
  assert.equal(jobs.get("315_0")?.maxRssBytes, Math.round(34.47 * MIB));
  assert.equal(jobs.get("315_1")?.elapsedSeconds, 1);
  const srun = jobs.get("314")!;
  assert.equal(srun.steps, 2);
  assert.equal(srun.maxRssBytes, Math.round(10.38 * MIB), "the step without MaxRSS adds nothing");
  assert.equal(srun.reqMemBytes, 400 * MIB, "--mem-per-cpu=200M × 2, as 22.05 prints it");
  const cancelled = jobs.get("316")!;
  assert.equal(cancelled.state, "CANCELLED");
  assert.equal(cancelled.final, true);
  assert.equal(cancelled.timeLimitSeconds, null, "UNLIMITED");
});

Deno.test("slurmUsage() does not believe TotalCPU when nothing gathered it", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_no_gather.txt"));
  const job = jobs.get("270")!;
  assert.equal(job.totalCpuSeconds, 0);
  assert.equal(job.gathered, false);
  const usage = slurmUsage(job, null);
  assert.equal(usage.cpuSeconds, null, "00:00:00 from a job that burned CPU is not a figure");
  assert.equal(usage.peakMemoryBytes, null);
  assert.equal(usage.memoryRequestBytes, 300 * MIB);
  assert.equal(usage.sources.memoryRequest, "sacct ReqMem");
  assert.equal(accountingComplete(job), false, "no peak ever comes: settles after a while");
});

Deno.test("parseSacctUsage() marks a running allocation as not final", () => {
  const job = parseSacctUsage(sample("sacct_usage_running.txt")).get("316")!;
  assert.equal(job.final, false);
  assert.equal(job.stepsFinal, false);
  assert.equal(job.reqMemBytes, null, "ReqMem's garbage while pending is no figure");
  assert.equal(accountingComplete(job), false);
});

Deno.test("parseSacctUsage() reads a time-out's limit and its cancelled batch step", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_timeout_failed.txt"));
  const timeout = jobs.get("319")!;
  assert.equal(timeout.state, "TIMEOUT");
  assert.equal(timeout.timeLimitSeconds, 60);
  assert.equal(timeout.elapsedSeconds, 62);
  assert.equal(timeout.totalCpuSeconds, 42.002);
  assert.equal(accountingComplete(timeout), true);
  assert.equal(jobs.get("320")?.state, "FAILED");
});

Deno.test("parseSacctUsage() handles older SLURM's ReqMem suffixes and per-task MaxRSS", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_old_reqmem.txt"));
  const perCpu = jobs.get("88001")!;
  assert.equal(perCpu.totalCpuSeconds, 93784, "1-02:03:04");
  assert.equal(perCpu.reqMemBytes, 16000 * MIB, "4000Mc × 4 CPUs");
  assert.equal(perCpu.allocMemBytes, 16000 * MIB);
  assert.equal(perCpu.maxRssBytes, Math.round(7577.6 * MIB), "the extern step is smaller");
  assert.equal(slurmUsage(perCpu, null).sources.memoryRequest, "sacct AllocTRES mem");
  const perNode = jobs.get("88002")!;
  assert.equal(perNode.reqMemBytes, 128000 * MIB, "64000Mn × 2 nodes");
  assert.equal(perNode.maxRssBytes, 900 * MIB, "MaxRSS is the largest task");
  assert.equal(perNode.stepMemBytes, 24000 * MIB, "TRESUsageInTot sums the step's 32 tasks");
  assert.equal(slurmUsage(perNode, null).peakMemoryBytes, 24000 * MIB);
  assert.equal(perNode.totalCpuSeconds, 36000);
});

Deno.test("parseSacctUsage() refuses lines it cannot read", () => {
  assert.throws(() => parseSacctUsage("313|313|COMPLETED|4\n"), /usage line molq cannot read/);
  assert.throws(
    () => parseSacctUsage("x|what|COMPLETED|4|10|00:01|2|1||cpu=2|400M||\n"),
    /cannot read/,
  );
  assert.equal(parseSacctUsage("\n").size, 0);
});

Deno.test("parseSlurmCpuTime() reads MM:SS.mmm, HH:MM:SS and D-HH:MM:SS", () => {
  assert.equal(parseSlurmCpuTime("00:01.695"), 1.695);
  assert.equal(parseSlurmCpuTime("01:02:03"), 3723);
  assert.equal(parseSlurmCpuTime("2-00:00:01"), 172801);
  assert.equal(parseSlurmCpuTime("12:34:56.789"), 45296.789);
  assert.equal(parseSlurmCpuTime(""), null);
  assert.equal(parseSlurmCpuTime("INVALID"), null);
});

Deno.test("parseSlurmMemory(), tresMemory() and parseReqMem() read sizes in --units=M form", () => {
  assert.equal(parseSlurmMemory("214.68M"), Math.round(214.68 * MIB));
  assert.equal(parseSlurmMemory("1.5G"), 1.5 * 1024 * MIB);
  assert.equal(parseSlurmMemory("300K"), 300 * 1024);
  assert.equal(parseSlurmMemory("12"), 12 * MIB, "a bare number is in the --units unit");
  assert.equal(parseSlurmMemory(""), null);
  assert.equal(parseSlurmMemory("18446744073709551616.00M"), null);
  assert.equal(tresMemory("billing=2,cpu=2,mem=400M,node=1"), 400 * MIB);
  assert.equal(tresMemory("cpu=1,mem=0,node=1"), null, "mem=0: none counted");
  assert.equal(tresMemory("cpu=1,node=1"), null);
  assert.equal(parseReqMem("2000Mc", 3, 1), 6000 * MIB);
  assert.equal(parseReqMem("2000Mc", null, 1), null);
  assert.equal(parseReqMem("8G", 3, 2), 8 * 1024 * MIB);
});

Deno.test("parseSacctUsage() reads a job killed over its memory (captured, OverMemoryKill)", () => {
  const jobs = parseSacctUsage(sample("sacct_usage_memory_killed.txt"));
  const killed = jobs.get("2")!;
  assert.equal(killed.state, "FAILED");
  assert.equal(killed.allocMemBytes, 100 * MIB, "CR_Core_Memory: AllocTRES names the memory");
  const usage = slurmUsage(killed, 100 * MIB);
  assert.equal(usage.peakMemoryBytes, Math.round(226.25 * MIB), "sampled above its limit");
  assert.equal(usage.sources.memoryRequest, "sacct AllocTRES mem");
  assert.equal(accountingComplete(killed), true);
  assert.equal(jobs.get("3")?.allocMemBytes, 2048 * MIB, "DefMemPerCPU=1024 × 2 CPUs");
});
