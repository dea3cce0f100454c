/**
 * Reconcile passes, in process. Local: one pass over the 3,000 running local jobs of the
 * active store (real job directories, live wrappers; nothing changes). SLURM: one pass over
 * 1,000 and 10,000 active jobs, 150 of which finish in the pass; fake `squeue`/`sacct`
 * programs print recorded output (generated for the ids in the store), so the figures are
 * molq's own costs plus two cheap process starts.
 */
import { join } from "node:path";
import { JobStore } from "../src/store/job_store.ts";
import { JobReconciler } from "../src/reconcile/job_reconciler.ts";
import { SlurmScheduler } from "../src/schedulers/slurm.ts";
import { LocalScheduler } from "../src/schedulers/local.ts";
import type { ActiveStore } from "./active_store.ts";
import type { Scheduler } from "../src/schedulers/scheduler.ts";
import { runCommand } from "../src/process/run_command.ts";
import type { JobRecord } from "../src/core/job_record.ts";
import {
  type BenchResult,
  median,
  medianOf,
  runMolq,
  type RunSettings,
  tempDir,
} from "./measure.ts";
import { seedStore } from "./seed_store.ts";

export const RECONCILE_SIZES = [1_000, 10_000];
const FINISHING = 150;
/** SlurmScheduler's default ids per sacct call. */
const SACCT_CHUNK = 500;
const TARGET_10K_MS = 150;
const LOCAL_PASS_TARGET_MS = 60;

interface Fixture {
  home: string;
  seedDb: string;
  squeue: string;
  sacct: string;
  callLog: string;
}

export async function benchReconcile(
  settings: RunSettings,
  notes: string[],
  sizes = RECONCILE_SIZES,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const count of sizes) {
    const fixture = prepare(count);
    const size = count.toLocaleString("en-US");
    const expectedCalls = 1 + Math.ceil(FINISHING / SACCT_CHUNK);
    const commandsMs = (await medianOf(settings, async () => {
      await runCommand([fixture.squeue]);
      await runCommand([fixture.sacct]);
    })).ms;

    Deno.writeTextFileSync(fixture.callLog, ""); // from here on, the passes' calls only
    const passes: { totalMs: number; statusMs: number; calls: number; changed: number }[] = [];
    for (let i = 0; i < settings.warmups + settings.runs; i++) {
      const pass = await onePass(fixture, `run-${i}.db`);
      if (i >= settings.warmups) passes.push(pass);
    }
    passes.sort((a, b) => a.totalMs - b.totalMs);
    const mid = passes[Math.floor(passes.length / 2)]!;
    const fastest = passes[0]!;
    const loggedCalls = Deno.readTextFileSync(fixture.callLog).trim().split("\n").length /
      (settings.warmups + settings.runs);
    const callsOk = mid.calls === expectedCalls;
    results.push({
      suite: "reconcile",
      name: `one pass, ${size} active SLURM jobs (in process)`,
      value: mid.totalMs,
      min: fastest.totalMs,
      unit: "ms",
      note: `${mid.changed} changed; Scheduler.status() (commands, parsing, job files): ${
        mid.statusMs.toFixed(0)
      } ms`,
    });
    results.push({
      suite: "reconcile",
      name: `  molq's own time (minus squeue+sacct processes), ${size} jobs`,
      value: mid.totalMs - commandsMs,
      min: fastest.totalMs - commandsMs,
      unit: "ms",
      target: count === 10_000 ? { op: "<=", value: TARGET_10K_MS } : undefined,
      note: `the two fake commands alone: ${commandsMs.toFixed(0)} ms`,
    });
    results.push({
      suite: "reconcile",
      name: `  scheduler calls per pass, ${size} jobs`,
      value: mid.calls,
      unit: "calls",
      target: { op: "==", value: expectedCalls },
      note:
        `${callsOk ? "as required" : "WRONG"}: 1 squeue + ⌈${FINISHING}/${SACCT_CHUNK}⌉ sacct; ` +
        `the fake commands logged ${loggedCalls.toFixed(0)} per pass`,
    });

    // The same pass as cron runs it: a whole `molq refresh` process.
    const env = { MOLQ_HOME: fixture.home };
    const times: number[] = [];
    for (let i = 0; i < settings.warmups + settings.runs; i++) {
      Deno.copyFileSync(fixture.seedDb, join(fixture.home, "jobs.db"));
      const run = await runMolq(["refresh", "--cluster", "slurm", "--force", "--quiet"], { env });
      if (run.code !== 0) {
        const why = run.stderr.trim().split("\n").slice(0, 2).join(" ");
        notes.push(`molq refresh (${size} jobs) skipped: it exited with ${run.code}: ${why}`);
        break;
      }
      if (i >= settings.warmups) times.push(run.ms);
    }
    if (times.length > 0) {
      results.push({
        suite: "reconcile",
        name: `molq refresh --cluster slurm --force (${size} active jobs)`,
        value: median(times),
        min: Math.min(...times),
        unit: "ms",
        note: "whole process, as from cron",
      });
    }
    Deno.removeSync(fixture.home, { recursive: true });
  }
  return results;
}

/**
 * One local pass over the active store's running jobs: as a command makes it (a new
 * reconciler and backend each time, nothing remembered: the target's figure), and as a
 * long-lived process repeats it (the dashboard, the daemon: running wrappers remembered).
 */
export async function benchLocalPass(
  settings: RunSettings,
  active: ActiveStore,
): Promise<BenchResult[]> {
  const store = JobStore.open(active.db);
  const reconciler = () =>
    new JobReconciler(store, "local", new LocalScheduler(), {
      minIntervalMs: 0,
      commandTimeoutMs: 30_000,
    });
  const timePasses = async (next: () => JobReconciler, warmups: number) => {
    const passes: { ms: number; changed: number }[] = [];
    for (let i = 0; i < warmups + settings.runs; i++) {
      const pass = next();
      const start = performance.now();
      const result = await pass.reconcile({ force: true });
      const ms = performance.now() - start;
      if (result.error) throw new Error(`the local pass failed: ${result.error}`);
      if (i >= warmups) passes.push({ ms, changed: result.changed });
    }
    return passes;
  };
  try {
    const cold = await timePasses(reconciler, settings.warmups);
    const longLived = reconciler();
    const warm = await timePasses(() => longLived, settings.warmups + 2);
    const jobs = active.running.jobs.length;
    const size = jobs.toLocaleString("en-US");
    const ms = median(cold.map((p) => p.ms));
    const warmMs = median(warm.map((p) => p.ms));
    return [{
      suite: "reconcile",
      name: `one local pass, ${size} running jobs (in process)`,
      value: ms,
      min: Math.min(...cold.map((p) => p.ms)),
      unit: "ms",
      target: { op: "<=", value: LOCAL_PASS_TARGET_MS },
      note: `${((ms * 1000) / jobs).toFixed(1)} µs per job; ${
        cold.at(-1)!.changed
      } changed (the jobs keep running); as a command makes it, nothing remembered`,
    }, {
      suite: "reconcile",
      name: `  the same pass repeated by a long-lived process`,
      value: warmMs,
      min: Math.min(...warm.map((p) => p.ms)),
      unit: "ms",
      note: `${((warmMs * 1000) / jobs).toFixed(1)} µs per job: running wrappers remembered, ` +
        `probed again when their directory changes or every 30 s`,
    }];
  } finally {
    store.close();
  }
}

async function onePass(fixture: Fixture, name: string) {
  const path = join(fixture.home, name);
  Deno.copyFileSync(fixture.seedDb, path);
  const store = JobStore.open(path);
  try {
    const slurm = new SlurmScheduler({
      commands: { squeue: fixture.squeue, sacct: fixture.sacct },
    });
    let statusMs = 0;
    const timed: Scheduler = {
      kind: slurm.kind,
      runner: slurm.runner,
      validate: (request) => slurm.validate(request),
      submit: (context) => slurm.submit(context),
      cancel: (jobs) => slurm.cancel(jobs),
      status: async (jobs) => {
        const start = performance.now();
        try {
          return await slurm.status(jobs);
        } finally {
          statusMs += performance.now() - start;
        }
      },
    };
    const reconciler = new JobReconciler(store, "slurm", timed, {
      minIntervalMs: 0,
      commandTimeoutMs: 30_000,
    });
    const start = performance.now();
    const result = await reconciler.reconcile({ force: true });
    const totalMs = performance.now() - start;
    if (result.error) throw new Error(`the reconcile pass failed: ${result.error}`);
    return { totalMs, statusMs, calls: result.commandCalls, changed: result.changed };
  } finally {
    store.close();
    Deno.removeSync(path);
  }
}

/** Seeds the store, writes the recorded squeue/sacct output and the fake commands. */
function prepare(count: number): Fixture {
  const home = tempDir(`reconcile-${count}`);
  const seedDb = join(home, "seed.db");
  seedStore(seedDb, {
    count,
    terminalShare: 0,
    clusters: [{ name: "slurm", scheduler: "slurm", share: 1 }],
    spreadDays: 2,
  });
  const store = JobStore.open(seedDb);
  const active = store.list({ cluster: "slurm" }).reverse(); // oldest first
  store.close();
  const finishing = active.slice(0, FINISHING); // the oldest jobs finish
  const queued = active.slice(FINISHING);
  const callLog = join(home, "calls.log");
  const squeueOut = join(home, "squeue.txt");
  const sacctOut = join(home, "sacct.txt");
  const usageOut = join(home, "sacct-usage.txt");
  Deno.writeTextFileSync(squeueOut, queued.map(squeueLine).join(""));
  Deno.writeTextFileSync(sacctOut, finishing.map(sacctLine).join(""));
  Deno.writeTextFileSync(usageOut, finishing.map(sacctUsageLines).join(""));
  /** Prints the recorded output; sacct's usage query (`--units=M`) gets the usage lines. */
  const fake = (name: string, output: string) => {
    const path = join(home, name);
    Deno.writeTextFileSync(
      path,
      `#!/bin/sh\necho ${name} >> '${callLog}'\n` +
        `case " $* " in *" --units=M "*) exec cat '${usageOut}' ;; esac\nexec cat '${output}'\n`,
    );
    Deno.chmodSync(path, 0o755);
    return path;
  };
  Deno.writeTextFileSync(
    join(home, "config.toml"),
    `[clusters.slurm]\nscheduler = "slurm"\n\n[clusters.slurm.commands]\n` +
      `squeue = "${join(home, "squeue")}"\nsacct = "${join(home, "sacct")}"\n`,
  );
  return {
    home,
    seedDb,
    squeue: fake("squeue", squeueOut),
    sacct: fake("sacct", sacctOut),
    callLog,
  };
}

const seconds = (ms: number | null) => (ms === null ? "N/A" : String(Math.floor(ms / 1000)));

/** `squeue -o %i|%A|%T|%r|%S|%e|%M`: still queued jobs stay queued, running ones run. */
function squeueLine(r: JobRecord): string {
  const id = r.schedulerJobId!;
  if (r.state === "running") {
    return `${id}|${id}|RUNNING|None|${seconds(r.startedAt)}|${
      seconds(r.startedAt! + 7_200_000)
    }|1:00:00\n`;
  }
  return `${id}|${id}|PENDING|Priority|N/A|N/A|0:00\n`;
}

/** sacct's usage rows (`--units=M`): the allocation and its batch step, as SLURM 23 prints them. */
function sacctUsageLines(r: JobRecord, index: number): string {
  const id = r.schedulerJobId!;
  const state = index % 10 === 0 ? "FAILED" : "COMPLETED";
  return `${id}|${id}|${state}|600|120|09:58.000|4|1||billing=4,cpu=4,mem=8192M,node=1|8192M||\n` +
    `${id}.batch|${id}.batch|${state}|600||09:58.000|4|1|1|cpu=4,mem=8192M,node=1||2048M|` +
    `cpu=00:09:58,energy=0,fs/disk=1.61M,mem=2048M,pages=0,vmem=2100M\n`;
}

/** `sacct --format=JobID,JobIDRaw,State,ExitCode,Start,End,Reason`: one in ten failed. */
function sacctLine(r: JobRecord, index: number): string {
  const id = r.schedulerJobId!;
  const start = r.startedAt ?? r.createdAt + 60_000;
  const state = index % 10 === 0 ? "FAILED|1:0" : "COMPLETED|0:0";
  return `${id}|${id}|${state}|${seconds(start)}|${seconds(start + 600_000)}|None\n`;
}
