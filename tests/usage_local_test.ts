/**
 * What local jobs used, end to end through the real CLI: CPU time measured by the wrapper,
 * the memory peak sampled about every second (and said to be sampled), figures read after
 * a cancel, and `list --usage` and `molq report` over them.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { eventually, type Sandbox, sandbox } from "./_molq.ts";
import { WRAPPER_CPU_SOURCE, WRAPPER_MEMORY_SOURCE } from "../src/schedulers/wrapper_usage.ts";

type Json = Record<string, unknown>;
const BURN = fileURLToPath(new URL("./fixtures/usage/burn.py", import.meta.url));
const MIB = 1024 ** 2;
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

async function submit(box: Sandbox, args: string[]): Promise<string> {
  return (await box.json<Json>(["submit", "local", ...args])).job_id as string;
}

/** Refreshes until the job ended and its usage settled; returns `inspect --json`. */
async function settled(box: Sandbox, id: string): Promise<Json> {
  return await eventually(
    async () => {
      await box.molq(["refresh"]);
      const record = await box.json<Json>(["inspect", id]);
      const usage = record.usage as Json | null;
      return TERMINAL.includes(record.state as string) && usage?.settled ? record : undefined;
    },
    60_000,
    `${id} to end with settled usage`,
  );
}

Deno.test("a local job that holds 200 MiB and burns 2 s reports its sampled peak and CPU time", async () => {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  const id = await submit(box, ["--run", "burn", "--", "python3", BURN, "200", "2"]);
  const record = await settled(box, id);
  assert.equal(record.state, "succeeded");
  const usage = record.usage as Json;
  const cpu = usage.cpu_seconds as number;
  assert.ok(cpu >= 1.9 && cpu < 15, `cpu ${cpu} s`);
  const peak = (usage.peak_memory_bytes as number) / MIB;
  assert.ok(peak >= 200 && peak < 450, `sampled peak ${peak} MiB`);
  assert.equal(usage.memory_sampled, true);
  assert.deepEqual(usage.sources, {
    elapsed: "molq wrapper (start and end times)",
    cpu: WRAPPER_CPU_SOURCE,
    cpus: null,
    memory: WRAPPER_MEMORY_SOURCE,
    memory_request: null,
    time_limit: null,
  });
  assert.equal(usage.cpus, null, "a local job has no CPU allocation");
  assert.equal(usage.cpu_efficiency, null, "so no efficiency either: never invented");
  assert.ok((usage.cpus_busy as number) > 0);
  const text = (await box.molq(["inspect", id])).stdout;
  assert.match(
    text,
    /\nusage +cpu \d+(\.\d)?s \(\d\.\d CPUs busy on average\) · memory \d+ MiB peak \(sampled\) · elapsed \d/,
  );
});

Deno.test("a cancelled local job still gets the figures its wrapper wrote as it ended", async () => {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  const id = await submit(box, ["--", "python3", BURN, "50", "60"]);
  await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return record.state === "running" ? record : undefined;
    },
    30_000,
    "the job to run",
  );
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const cancelled = await box.molq(["cancel", id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  const record = await settled(box, id);
  assert.equal(record.state, "cancelled");
  const usage = record.usage as Json;
  assert.ok((usage.cpu_seconds as number) >= 1, `cpu ${usage.cpu_seconds} s before the cancel`);
  assert.ok((usage.peak_memory_bytes as number) >= 50 * MIB);
  assert.equal((usage.sources as Json).cpu, WRAPPER_CPU_SOURCE);
});

Deno.test("list --usage adds columns (the default table is unchanged) and report sums a run", async () => {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  const a = await submit(box, ["--run", "sweep", "--", "python3", BURN, "60", "1"]);
  const b = await submit(box, ["--run", "sweep", "--", "python3", BURN, "120", "1", "3"]);
  await settled(box, a);
  await settled(box, b);
  const plain = (await box.molq(["list", "--all", "--no-refresh"])).stdout.split("\n")[0]!;
  assert.match(plain, /^ID +STATE +CLUSTER +SCHED ID +NAME\/COMMAND +ELAPSED +EXIT\/REASON$/);
  const wide = (await box.molq(["list", "--all", "--no-refresh", "--usage"])).stdout.split("\n");
  assert.match(wide[0]!, /EXIT\/REASON +CPU% +PEAK +MEM%$/);
  assert.match(wide[1]!, / - +~\d+ MiB +-$/, "sampled peaks are marked ~; no request, no share");
  const report = await box.json<Json>(["report", "--run", "sweep", "--no-refresh"]);
  assert.equal(report.job_count, 2);
  assert.deepEqual(report.counts, { succeeded: 1, failed: 1 });
  const peaks = report.peak_memory_bytes as Json;
  assert.equal(peaks.known, 2);
  assert.ok((peaks.max as number) >= 120 * MIB && (peaks.min as number) >= 60 * MIB);
  const listed = report.jobs as Json[];
  assert.deepEqual(listed.map((job) => job.job_id).sort(), [a, b].sort());
  assert.ok(listed.every((job) => (job.usage as Json).memory_sampled === true));
  const text = (await box.molq(["report", "--run", "sweep", "--no-refresh"])).stdout;
  assert.match(text, /^Run sweep: 2 jobs \((1 succeeded, 1 failed|1 failed, 1 succeeded)\)\n/);
  assert.match(text, /\nmemory peak( +\d+(\.\d)? MiB){3} +2 of 2\n/);
  assert.match(
    text,
    /\ncpu efficiency +- +- +- +0 of 2\n/,
    "local jobs hold no CPUs to be efficient with",
  );
  // The local scheduler takes no --mem: only what it accepts is suggested.
  assert.match(text, /\nNext run: --time 5m\n/);
  assert.equal((report.next as Json).mem, undefined);
  const both = await box.molq(["report", "--run", "sweep", a]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /Name the jobs to report on: --run LABEL, or job ids \(not both\)\./);
});
