/**
 * Local submissions: 200 one CLI process at a time (what a shell loop does), and 1,000
 * through the library API in one process (what a sweep script does).
 */
import { join } from "node:path";
import { Submitor } from "../mod.ts";
import { type BenchResult, median, runMolq, tempDir } from "./measure.ts";

const CLI_TARGET_MS = 60;
const API_TARGET_PER_S = 200;

export async function benchSubmit(
  counts: { cli: number; api: number } = { cli: 200, api: 1_000 },
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const home = tempDir("submit");
  const env = { MOLQ_HOME: home };

  await runMolq(["submit", "local", "--command", "true"], { env, cwd: home }); // creates the store
  const times: number[] = [];
  for (let i = 0; i < counts.cli; i++) {
    const run = await runMolq(["submit", "local", "--command", "true"], { env, cwd: home });
    if (run.code !== 0) throw new Error(`molq submit exited with ${run.code}: ${run.stderr}`);
    times.push(run.ms);
  }
  results.push({
    suite: "submit",
    name: `CLI: molq submit local --command true, ${counts.cli} processes in a row`,
    value: median(times),
    min: Math.min(...times),
    unit: "ms",
    target: { op: "<=", value: CLI_TARGET_MS },
    note: `per submission (median); ${
      (counts.cli / (times.reduce((a, b) => a + b, 0) / 1000)).toFixed(1)
    } jobs/s`,
  });

  const submitor = new Submitor({
    scheduler: "local",
    store: join(home, "api.db"),
    jobsDir: join(home, "api-jobs"),
    cwd: home,
  });
  try {
    await submitor.submit({ command: "true" }); // opens the store, warms the code
    const start = performance.now();
    for (let i = 0; i < counts.api; i++) await submitor.submit({ command: "true" });
    const seconds = (performance.now() - start) / 1000;
    results.push({
      suite: "submit",
      name: `library: Submitor.submit, ${counts.api.toLocaleString("en-US")} in one process`,
      value: counts.api / seconds,
      unit: "jobs/s",
      target: { op: ">=", value: API_TARGET_PER_S },
      note: `${((seconds * 1000) / counts.api).toFixed(2)} ms per job`,
    });
  } finally {
    submitor.close();
  }
  // The jobs ran `true`; give the last ones a moment before their directories go.
  await new Promise((resolve) => setTimeout(resolve, 500));
  Deno.removeSync(home, { recursive: true });
  return results;
}
