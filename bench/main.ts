/**
 * molq's benchmark suite (`deno task bench`): builds its own stores (one with 3,000 local
 * jobs really running), runs the CLI as a user would (whole processes, median of several
 * runs, each figure beside `deno run` of an empty file measured alongside) and prints a
 * table with the issue's targets. Timings are never asserted; see docs/performance.md.
 *
 *   deno task bench                       everything (about 5 minutes on 2 cores)
 *   deno task bench status list           only some suites
 *   deno task bench --quick               fewer sizes and runs, a 10 s monitor sample
 *   deno task bench --runs 9              more runs per figure
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchResult, Floor, type RunSettings } from "./measure.ts";
import { benchListActive, benchListAll, benchStartup, benchStatus } from "./cli_bench.ts";
import { benchSubmit } from "./submit_bench.ts";
import { benchLocalPass, benchReconcile } from "./reconcile_bench.ts";
import { type ActiveStore, createActiveStore } from "./active_store.ts";
import { benchFrames, benchIdleMonitor } from "./dashboard_bench.ts";
import { benchStore } from "./store_bench.ts";
import { missedTargets, renderResults } from "./report.ts";

const SUITES = [
  "startup",
  "status",
  "list",
  "submit",
  "reconcile",
  "dashboard",
  "store",
] as const;
type Suite = typeof SUITES[number];

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    "monitor-seconds": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
const unknown = positionals.filter((name) => !(SUITES as readonly string[]).includes(name));
if (values.help) {
  console.log(
    `Usage: deno task bench [--quick] [--runs N] [--monitor-seconds S] [${SUITES.join("|")}]...`,
  );
} else if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(", ")}; expected ${SUITES.join(", ")}.`);
  Deno.exitCode = 2;
} else {
  await runBenchmarks();
}

async function runBenchmarks(): Promise<void> {
  const selected = new Set<Suite>(positionals.length ? positionals as Suite[] : SUITES);
  const quick = values.quick;
  const settings: RunSettings = { runs: Number(values.runs ?? (quick ? 3 : 5)), warmups: 1 };
  const monitorSeconds = Number(values["monitor-seconds"] ?? (quick ? 10 : 60));

  const loadBefore = loadAverage();
  const services = await daemonsRunning();
  const title = await header();
  console.log(title);
  const results: BenchResult[] = [];
  const notes: string[] = [];
  const run = async (suite: Suite, work: () => Promise<BenchResult[]>) => {
    if (!selected.has(suite)) return;
    const start = performance.now();
    console.error(`… ${suite}`);
    results.push(...await work());
    console.error(`  ${suite} took ${((performance.now() - start) / 1000).toFixed(0)} s`);
    // The store and list suites write hundreds of MiB: their write-back must not slow the
    // figures measured after them.
    await flushWrites();
  };
  const usesActiveStore = (["status", "list", "reconcile", "dashboard"] as const).some((s) =>
    selected.has(s)
  );

  const floor = new Floor();
  let active: ActiveStore | null = null;
  try {
    // The passes measured in this process come before the suites that load it (a thousand
    // library submissions, 100,000-record stores): measured after those, the same passes
    // took up to twice as long (the local pass: 65 instead of 52 ms after the submissions
    // alone). The 3,000 running local jobs are stopped before the suites that follow them:
    // that many extra processes weigh on everything that reads the process table.
    await run("startup", () => benchStartup(floor, settings));
    await run("reconcile", () => benchReconcile(settings, notes, quick ? [1_000] : undefined));
    await run("dashboard", () => benchFrames(undefined, notes));
    if (usesActiveStore) {
      console.error("… starting 3,000 local jobs for the active store");
      const store = active = await createActiveStore();
      await run("reconcile", () => benchLocalPass(settings, store));
      await run("status", () => benchStatus(floor, settings, store));
      await run("list", () => benchListActive(floor, settings, store));
      await run("dashboard", () => benchIdleMonitor(monitorSeconds, store, notes));
      active = null;
      await store.remove();
    }
    await run("submit", () => benchSubmit(floor, quick ? { cli: 30, api: 200 } : undefined));
    await run("store", () => benchStore(settings, notes));
    await run("list", () => benchListAll(floor, settings, notes));
  } finally {
    await (active as ActiveStore | null)?.remove();
    floor.remove();
  }
  // The table in the suites' order, each suite's figures in the order they were measured.
  results.sort((a, b) => SUITES.indexOf(a.suite as Suite) - SUITES.indexOf(b.suite as Suite));

  const table = renderResults(results);
  console.log(table);
  for (const note of notes) console.log(`\nNote: ${note}`);
  const load = `load average ${loadBefore} at the start, ${loadAverage()} at the end`;
  console.log(`\n${load}.`);
  if (Math.max(...[loadBefore, loadAverage()].map(Number)) > navigator.hardwareConcurrency) {
    notes.push(`${load}: other work competed for the CPUs; the min column is the better guide.`);
    console.log(`Note: ${notes.at(-1)}`);
  }
  if (services.length > 0) {
    notes.push(
      `${
        services.join(", ")
      } were running when the benchmarks started: scheduler daemons (the tests' ones ` +
        "stop with scripts/slurm-dev-cluster.sh and sge-dev-cluster.sh stop) slowed the SLURM " +
        "pass by about a quarter.",
    );
    console.log(`Note: ${notes.at(-1)}`);
  }
  const missed = missedTargets(results);
  console.log(
    missed.length === 0
      ? "\nAll targets met."
      : `\nTargets missed: ${missed.map((r) => `${r.suite}: ${r.name.trim()}`).join("; ")}.`,
  );
  saveResults([title, table, ...notes.map((note) => `\nNote: ${note}`)].join("\n"));

  /** `sync`: waits until the kernel has written every dirty page out. */
  async function flushWrites(): Promise<void> {
    await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output().catch(() => {});
  }

  /** Which scheduler daemons run on this machine (the test services: SLURM, Grid Engine). */
  async function daemonsRunning(): Promise<string[]> {
    const names = ["slurmctld", "slurmd", "slurmdbd", "sge_qmaster", "sge_execd"];
    const found = await new Deno.Command("pgrep", { args: ["-l", "-x", names.join("|")] })
      .output().catch(() => null);
    const running = new TextDecoder().decode(found?.stdout).split("\n")
      .map((line) => line.split(" ")[1]);
    return names.filter((name) => running.includes(name));
  }

  /** The one-minute load average (a busy machine makes every figure slower). */
  function loadAverage(): string {
    return Deno.loadavg()[0]!.toFixed(1);
  }

  async function header(): Promise<string> {
    let commit = "unknown";
    try {
      const git = await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"] })
        .output();
      if (git.success) commit = new TextDecoder().decode(git.stdout).trim();
    } catch {
      // not a git checkout
    }
    return `molq benchmarks · ${new Date().toISOString().slice(0, 16)}Z · commit ${commit} · ` +
      `deno ${Deno.version.deno} · ${Deno.build.os}/${Deno.build.arch} · ` +
      `${navigator.hardwareConcurrency} cores · the binary's bundle · median of ${settings.runs} runs (${settings.warmups} warm-up)\n`;
  }

  /** The latest table, for docs/performance.md (bench/results/ is not committed). */
  function saveResults(text: string): void {
    const dir = fileURLToPath(new URL("./results/", import.meta.url));
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(join(dir, "latest.md"), text + "\n");
    Deno.writeTextFileSync(join(dir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
  }
}
