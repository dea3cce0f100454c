/** Timing helpers for the benchmarks: whole-process runs of the CLI, medians, and results. */
import { fileURLToPath } from "node:url";

/** The permissions of the `molq` task and the compiled binary. */
export const MOLQ_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];
export const MAIN_TS = fileURLToPath(new URL("../main.ts", import.meta.url));

/** One measured figure, with the target it is held against (if any). */
export interface BenchResult {
  suite: string;
  name: string;
  /** The median. */
  value: number;
  /** The fastest run: close to the cost on a quiet machine when the median is noisy. */
  min?: number;
  unit: string;
  /** `<=` targets are maxima (times), `>=` minima (rates), `==` exact counts. */
  target?: { op: "<=" | ">=" | "=="; value: number };
  note?: string;
}

export interface RunSettings {
  /** Measured runs per figure (the median is reported). */
  runs: number;
  /** Unmeasured runs first (file cache, code cache). */
  warmups: number;
}

export interface ProcessRun {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run <permissions> main.ts ...args` to completion and times it (wall clock). */
export async function runMolq(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ProcessRun> {
  return await runProcess(Deno.execPath(), ["run", ...MOLQ_PERMISSIONS, MAIN_TS, ...args], options);
}

export async function runProcess(
  program: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ProcessRun> {
  const command = new Deno.Command(program, {
    args: [...args],
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const start = performance.now();
  const output = await command.output();
  const ms = performance.now() - start;
  return {
    ms,
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** The median wall time of `runs` runs of the CLI; throws if a run fails. */
export async function medianMolq(
  args: readonly string[],
  settings: RunSettings,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ ms: number; min: number; last: ProcessRun }> {
  const times: number[] = [];
  let last: ProcessRun | undefined;
  for (let i = 0; i < settings.warmups + settings.runs; i++) {
    last = await runMolq(args, options);
    if (last.code !== 0) {
      throw new Error(
        `molq ${args.join(" ")} exited with ${last.code}: ${last.stderr.trim().slice(0, 400)}`,
      );
    }
    if (i >= settings.warmups) times.push(last.ms);
  }
  return { ms: median(times), min: Math.min(...times), last: last! };
}

/** The median and fastest of `runs` calls of `work` (after `warmups` unmeasured calls), in ms. */
export async function medianOf(
  settings: RunSettings,
  work: () => unknown | Promise<unknown>,
): Promise<{ ms: number; min: number }> {
  const times: number[] = [];
  for (let i = 0; i < settings.warmups + settings.runs; i++) {
    const start = performance.now();
    await work();
    if (i >= settings.warmups) times.push(performance.now() - start);
  }
  return { ms: median(times), min: Math.min(...times) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function tempDir(label: string): string {
  return Deno.makeTempDirSync({ prefix: `molq-bench-${label}-` });
}

/** Whether the CLI has a command (some are still being written). */
export async function hasCommand(name: string): Promise<boolean> {
  const home = tempDir("help");
  try {
    const help = await runMolq(["--help"], { env: { MOLQ_HOME: home } });
    return new RegExp(`^\\s+${name}\\b`, "m").test(help.stdout);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
}
