/**
 * Whole-process CLI figures, each against Deno's floor measured alongside: start-up
 * (`--version`, `--help`), `status` and `list` on the store with 3,000 running local jobs
 * (refresh included: the last poll is forgotten before every run), and `list` of 100,000
 * records with its peak memory.
 */
import { join } from "node:path";
import {
  againstFloor,
  type BenchResult,
  canMeasureRss,
  type Floor,
  runMolq,
  type RunSettings,
  tempDir,
} from "./measure.ts";
import type { ActiveStore } from "./active_store.ts";
import { seedStore } from "./seed_store.ts";

const STARTUP_TARGET = 1.8;
const STATUS_TARGET = 2.5;
const LIST_ACTIVE_TARGET = 6;
const LIST_100K_TARGET_MS = 1_500;
const LIST_100K_RSS_MIB = 120;

export async function benchStartup(
  floor: Floor,
  given: RunSettings,
): Promise<BenchResult[]> {
  // Start-up runs are cheap and noisy: three times as many of them.
  const settings = { ...given, runs: given.runs * 3 };
  const env = { MOLQ_HOME: tempDir("startup") };
  const results: BenchResult[] = [];
  let floorMs = NaN;
  for (const args of [["--version"], ["--help"]]) {
    const run = await againstFloor(floor, settings, () => runMolq(args, { env }));
    floorMs = run.floorMs;
    results.push({
      suite: "startup",
      name: `molq ${args.join(" ")}`,
      value: run.ms,
      min: run.min,
      unit: "ms",
      ratio: run.ratio,
      target: { op: "<=", value: STARTUP_TARGET, on: "ratio" },
    });
  }
  results.unshift({
    suite: "startup",
    name: "floor: deno run of an empty file",
    value: floorMs,
    unit: "ms",
    note: "measured between the runs of every figure with a ratio",
  });
  Deno.removeSync(env.MOLQ_HOME, { recursive: true });
  return results;
}

/** `status <id>` on the active store: with its refresh (a real pass), and store-only. */
export async function benchStatus(
  floor: Floor,
  settings: RunSettings,
  store: ActiveStore,
): Promise<BenchResult[]> {
  const id = store.running.jobs[Math.floor(store.running.jobs.length / 2)]!.jobId.slice(0, 8);
  const where = { env: store.env, cwd: store.cwd };
  const refreshed = await againstFloor(
    floor,
    settings,
    () => runMolq(["status", id], where),
    () => store.resetPolls(),
  );
  const storeOnly = await againstFloor(
    floor,
    settings,
    () => runMolq(["status", id, "--no-refresh"], where),
  );
  const active = store.running.jobs.length.toLocaleString("en-US");
  return [
    {
      suite: "status",
      name: `molq status <id> (refresh included; ${active} active local jobs)`,
      value: refreshed.ms,
      min: refreshed.min,
      unit: "ms",
      ratio: refreshed.ratio,
      target: { op: "<=", value: STATUS_TARGET, on: "ratio" },
      note: "a real local reconcile pass every run, over the job it shows (and what it waits for)",
    },
    {
      suite: "status",
      name: "molq status <id> --no-refresh",
      value: storeOnly.ms,
      min: storeOnly.min,
      unit: "ms",
      ratio: storeOnly.ratio,
      note: "start-up, store and one lookup",
    },
  ];
}

/** `list --limit 100000` on the active store (refresh included): every active job. */
export async function benchListActive(
  floor: Floor,
  settings: RunSettings,
  store: ActiveStore,
): Promise<BenchResult[]> {
  const run = await againstFloor(
    floor,
    settings,
    () => runMolq(["list", "--limit", "100000"], { env: store.env, cwd: store.cwd }),
    () => store.resetPolls(),
  );
  return [{
    suite: "list",
    name: `molq list --limit 100000 (refresh included; 10,000 records)`,
    value: run.ms,
    min: run.min,
    unit: "ms",
    ratio: run.ratio,
    target: { op: "<=", value: LIST_ACTIVE_TARGET, on: "ratio" },
    note: `${rowsPrinted(run.last.stdout)} rows printed`,
  }];
}

/** `list` of every record of a 100,000-record store, as a table and as JSON, with its memory. */
export async function benchListAll(
  floor: Floor,
  settings: RunSettings,
  notes: string[],
  count = 100_000,
): Promise<BenchResult[]> {
  const home = tempDir(`store-${count}`);
  seedStore(join(home, "jobs.db"), { count });
  const rss = canMeasureRss();
  if (!rss) notes.push("peak memory not measured: /usr/bin/time (GNU time) is missing.");
  const size = count.toLocaleString("en-US");
  const results: BenchResult[] = [];
  try {
    for (const json of [false, true]) {
      const args = [
        "list",
        "--all",
        ...(json ? ["--json"] : []),
        "--no-refresh",
        "--limit",
        "100000",
      ];
      const run = await againstFloor(
        floor,
        settings,
        () => runMolq(args, { env: { MOLQ_HOME: home }, rss }),
      );
      const printed = json
        ? run.last.stdout.split("\n  {").length - 1
        : rowsPrinted(run.last.stdout);
      const name = `molq ${args.join(" ")} (${size} records)`;
      results.push({
        suite: "list",
        name,
        value: run.ms,
        min: run.min,
        unit: "ms",
        target: json ? undefined : { op: "<=", value: LIST_100K_TARGET_MS },
        note: `${printed.toLocaleString("en-US")} ${json ? "records" : "rows"} printed`,
      });
      if (run.rssMiB !== undefined) {
        results.push({
          suite: "list",
          name: `  peak resident memory of ${json ? "--json" : "the table"}`,
          value: run.rssMiB,
          unit: "MiB",
          target: { op: "<=", value: LIST_100K_RSS_MIB },
          note: "streamed: rows are written as they are read",
        });
      }
    }
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
  return results;
}

function rowsPrinted(stdout: string): number {
  return Math.max(0, stdout.trimEnd().split("\n").length - 1);
}
