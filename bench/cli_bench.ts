/**
 * Whole-process CLI benchmarks: `molq list`, `status` and `inspect` on stores of 1,000 to
 * 100,000 records, and start-up (`--version`, `--help`) against Deno's own floor.
 */
import { join } from "node:path";
import {
  type BenchResult,
  medianMolq,
  medianOf,
  runProcess,
  type RunSettings,
  tempDir,
} from "./measure.ts";
import { seedStore } from "./seed_store.ts";

export const LIST_SIZES = [1_000, 10_000, 100_000];
const LIST_TARGETS_MS: Record<number, number> = { 10_000: 150, 100_000: 600 };
const STATUS_TARGET_MS = 80;

/** A store of `count` records in its own MOLQ_HOME, seeded once per size. */
export function seededHome(count: number): { env: Record<string, string>; jobIds: string[] } {
  const home = tempDir(`store-${count}`);
  const { jobIds } = seedStore(join(home, "jobs.db"), { count });
  return { env: { MOLQ_HOME: home }, jobIds };
}

export async function benchList(settings: RunSettings, sizes = LIST_SIZES): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const count of sizes) {
    const { env, jobIds } = seededHome(count);
    const size = count.toLocaleString("en-US");
    const target = LIST_TARGETS_MS[count];
    const variants: [string[], boolean][] = [
      [["list", "--no-refresh"], true],
      [["list", "--all", "--no-refresh"], true],
      [["list", "--no-refresh", "--limit", "100000"], false],
      [["list", "--all", "--no-refresh", "--limit", "100000"], false],
    ];
    for (const [args, hasTarget] of variants) {
      const { ms, min, last } = await medianMolq(args, settings, { env });
      const rows = Math.max(0, last.stdout.trimEnd().split("\n").length - 1);
      results.push({
        suite: "list",
        name: `${args.join(" ")} (${size} records)`,
        value: ms,
        min,
        unit: "ms",
        target: hasTarget && target ? { op: "<=", value: target } : undefined,
        note: `${rows.toLocaleString("en-US")} rows printed`,
      });
    }
    // Status at every size: its target holds "at any store size".
    const id = jobIds[Math.floor(jobIds.length / 2)]!.slice(0, 8);
    const status = await medianMolq(["status", id, "--no-refresh"], settings, { env });
    results.push({
      suite: "status",
      name: `status <id> --no-refresh (${size} records)`,
      value: status.ms,
      min: status.min,
      unit: "ms",
      target: { op: "<=", value: STATUS_TARGET_MS },
    });
    if (count === sizes[sizes.length - 1]) {
      const inspect = await medianMolq(["inspect", id], settings, { env });
      results.push({
        suite: "status",
        name: `inspect <id> (${size} records)`,
        value: inspect.ms,
        min: inspect.min,
        unit: "ms",
        target: { op: "<=", value: STATUS_TARGET_MS },
        note: "same target as status",
      });
    }
    Deno.removeSync(env.MOLQ_HOME!, { recursive: true });
  }
  return results;
}

export async function benchStartup(settings: RunSettings): Promise<BenchResult[]> {
  const env = { MOLQ_HOME: tempDir("startup") };
  const results: BenchResult[] = [];
  for (const args of [["--version"], ["--help"]]) {
    const { ms, min } = await medianMolq(args, settings, { env });
    results.push({ suite: "startup", name: `molq ${args.join(" ")}`, value: ms, min, unit: "ms" });
  }
  // Reference point: what Deno itself costs.
  const dir = tempDir("floor");
  const empty = join(dir, "empty.ts");
  Deno.writeTextFileSync(empty, "");
  const floor = await medianOf(settings, () => runProcess(Deno.execPath(), ["run", empty]));
  results.push({
    suite: "startup",
    name: "reference: deno run of an empty file",
    value: floor.ms,
    min: floor.min,
    unit: "ms",
    note: "the runtime's floor",
  });
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(env.MOLQ_HOME, { recursive: true });
  return results;
}
