/**
 * Local submissions: one CLI process per job (what a shell loop does), each against the
 * floor measured alongside, and 1,000 through the library API in one process (what a sweep
 * script does).
 */
import { join } from "node:path";
import { Submitor } from "../mod.ts";
import { type BenchResult, type Floor, median, runMolq, tempDir } from "./measure.ts";

const CLI_TARGET = 2.2;
const API_TARGET_PER_S = 200;

export async function benchSubmit(
  floor: Floor,
  counts: { cli: number; api: number } = { cli: 100, api: 1_000 },
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const home = tempDir("submit");
  const env = { MOLQ_HOME: home };
  const submit = ["submit", "local", "--command", "true"];

  await runMolq(submit, { env, cwd: home }); // creates the store
  const times: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < counts.cli; i++) {
    floors.push((await floor.run()).ms);
    const run = await runMolq(submit, { env, cwd: home });
    if (run.code !== 0) throw new Error(`molq submit exited with ${run.code}: ${run.stderr}`);
    times.push(run.ms);
  }
  results.push({
    suite: "submit",
    name: `molq submit local --command true, ${counts.cli} processes in a row`,
    value: median(times),
    min: Math.min(...times),
    unit: "ms",
    ratio: median(times) / median(floors),
    target: { op: "<=", value: CLI_TARGET, on: "ratio" },
    note: `per submission; ${
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
