/** Store growth: bytes per 100,000 records, and `molq cleanup` of 100,000 old records. */
import { join } from "node:path";
import { type BenchResult, hasCommand, runMolq, type RunSettings, tempDir } from "./measure.ts";
import { seedStore } from "./seed_store.ts";

const RECORDS = 100_000;

export async function benchStore(settings: RunSettings, notes: string[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const home = tempDir("store");
  const path = join(home, "jobs.db");
  const start = performance.now();
  seedStore(path, { count: RECORDS });
  const seedMs = performance.now() - start;
  const bytes = Deno.statSync(path).size;
  results.push({
    suite: "store",
    name: `database size per ${RECORDS.toLocaleString("en-US")} records`,
    value: bytes / 1024 ** 2,
    unit: "MiB",
    note: `${Math.round(bytes / RECORDS)} bytes per record with its 4-5 transitions and indexes`,
  });
  results.push({
    suite: "store",
    name: `bulk insert of ${RECORDS.toLocaleString("en-US")} records (one transaction)`,
    value: seedMs,
    unit: "ms",
    note: "benchmark set-up; not a user path",
  });
  Deno.removeSync(path);

  if (!(await hasCommand("cleanup"))) {
    notes.push("cleanup skipped: this molq has no `cleanup` command yet.");
    Deno.removeSync(home, { recursive: true });
    return results;
  }
  // Every record finished more than 90 days ago: the default policy deletes them all.
  const seed = join(home, "seed.db");
  seedStore(seed, { count: RECORDS, terminalShare: 1, minAgeDays: 100, spreadDays: 30 });
  const env = { MOLQ_HOME: home };
  const times: number[] = [];
  let output = "";
  const runs = Math.min(settings.runs, 3);
  for (let i = 0; i < runs; i++) {
    Deno.copyFileSync(seed, path);
    const run = await runMolq(["cleanup"], { env });
    if (run.code !== 0) {
      notes.push(`cleanup failed with exit code ${run.code}: ${run.stderr.trim()}`);
      break;
    }
    output = run.stdout.trim();
    times.push(run.ms);
  }
  if (times.length > 0) {
    times.sort((a, b) => a - b);
    results.push({
      suite: "store",
      name: `molq cleanup of ${RECORDS.toLocaleString("en-US")} old records`,
      value: times[Math.floor(times.length / 2)]!,
      unit: "ms",
      note: `${output.split("\n")[0]} Size after: ${
        (Deno.statSync(path).size / 1024 ** 2).toFixed(0)
      } MiB (SQLite reuses the free pages)`,
    });
  }
  Deno.removeSync(home, { recursive: true });
  return results;
}
