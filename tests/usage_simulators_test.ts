/**
 * Usage figures end to end through the PBS (Pro, Torque) and LSF backends against their
 * simulators, which measure the job's processes as an execution host does and print
 * resources_used / bjobs fields in the real formats.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { JobUsage } from "../src/core/job_usage.ts";
import { PbsScheduler } from "../src/schedulers/pbs.ts";
import { LsfScheduler } from "../src/schedulers/lsf.ts";
import { WRAPPER_CPU_SOURCE } from "../src/schedulers/wrapper_usage.ts";
import {
  pollUntilFinal,
  request,
  startSimulator,
  submitContext,
  submitTracked,
} from "./simulators/harness.ts";

const BURN = fileURLToPath(new URL("./fixtures/usage/burn.py", import.meta.url));
const MIB = 1024 ** 2;
/** Holds 200 MiB and burns 2 s of CPU. */
const burn = (mib = 200, seconds = 2) => ({
  type: "argv" as const,
  argv: ["python3", BURN, String(mib), String(seconds)],
});

function assertBurned(usage: JobUsage | undefined, sources: { cpu: RegExp; memory?: RegExp }) {
  assert.ok(usage, "a final observation carries usage");
  assert.ok(usage.cpuSeconds! >= 1.5 && usage.cpuSeconds! < 10, `cpu ${usage.cpuSeconds}`);
  assert.match(usage.sources.cpu!, sources.cpu);
  if (sources.memory) {
    const peak = usage.peakMemoryBytes!;
    assert.ok(peak > 190 * MIB && peak < 450 * MIB, `peak ${peak / MIB} MiB`);
    assert.match(usage.sources.memory!, sources.memory);
  }
}

Deno.test("PBS Pro: resources_used of a finished job (history kept)", async () => {
  const sim = startSimulator("pbs", { PBS_SIM_HISTORY: "1" });
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const job = await submitTracked(
    pbs,
    submitContext(
      sim.root,
      request({
        command: burn(),
        resources: { cpus: 2, memoryBytes: 1024 * MIB, timeLimitSeconds: 600 },
      }),
    ),
  );
  const usage = (await pollUntilFinal(pbs, [job], 60_000)).observations.get(job.jobId)?.usage;
  assertBurned(usage, { cpu: /resources_used\.cput/, memory: /resources_used\.mem/ });
  assert.equal(usage!.cpus, 2);
  assert.equal(usage!.memoryRequestBytes, 1024 * MIB);
  assert.equal(usage!.timeLimitSeconds, 600);
  assert.ok(usage!.elapsedSeconds! >= 2, `walltime ${usage!.elapsedSeconds}`);
});

Deno.test("PBS Pro without history: the wrapper's CPU time, memory unknown", async () => {
  const sim = startSimulator("pbs", {});
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const job = await submitTracked(pbs, submitContext(sim.root, request({ command: burn(50) })));
  const usage = (await pollUntilFinal(pbs, [job], 60_000)).observations.get(job.jobId)?.usage;
  assertBurned(usage, { cpu: new RegExp(WRAPPER_CPU_SOURCE.replace(/[()]/g, "\\$&")) });
  assert.equal(usage!.peakMemoryBytes, null, "nobody sampled it: unknown, not 0");
});

Deno.test("Torque: resources_used from qstat -f -1 while the job is kept", async () => {
  const sim = startSimulator("torque", { TORQUE_SIM_KEEP_COMPLETED: "30" });
  const pbs = new PbsScheduler({ flavour: "torque", commands: sim.commands });
  const job = await submitTracked(
    pbs,
    submitContext(sim.root, request({ command: burn(), resources: { cpus: 2 } })),
  );
  const usage = (await pollUntilFinal(pbs, [job], 60_000)).observations.get(job.jobId)?.usage;
  assertBurned(usage, { cpu: /resources_used\.cput/, memory: /resources_used\.mem/ });
  assert.equal(usage!.cpus, 2, "nodes=1:ppn=2");
});

Deno.test("LSF: bjobs cpu_used, max_mem, run_time and slots", async () => {
  const sim = startSimulator("lsf", {});
  const lsf = new LsfScheduler({ commands: sim.commands });
  const job = await submitTracked(
    lsf,
    submitContext(sim.root, request({ command: burn(), resources: { cpus: 2 } })),
  );
  const usage = (await pollUntilFinal(lsf, [job], 60_000)).observations.get(job.jobId)?.usage;
  assertBurned(usage, { cpu: /bjobs cpu_used/, memory: /bjobs max_mem/ });
  assert.equal(usage!.cpus, 2);
  assert.equal(usage!.sources.elapsed, "bjobs run_time");
});

Deno.test("LSF after CLEAN_PERIOD: the CPU time from bhist", async () => {
  const sim = startSimulator("lsf", { LSF_SIM_CLEAN_PERIOD: "0" });
  const lsf = new LsfScheduler({ commands: sim.commands });
  const job = await submitTracked(lsf, submitContext(sim.root, request({ command: burn(50) })));
  const usage = (await pollUntilFinal(lsf, [job], 60_000)).observations.get(job.jobId)?.usage;
  assertBurned(usage, { cpu: /bhist/ });
});
