/**
 * Timing helpers for the benchmarks: whole-process runs of the CLI (optionally with their
 * peak resident memory), each figure measured against Deno's own floor in the same run,
 * medians, and results.
 */
import { join } from "node:path";
import { bundledMain } from "../src/testing/bundled_main.ts";

/** The permissions of the `molq` task and the compiled binary. */
export const MOLQ_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];
/** The V8 settings of the binary (scripts/compile.sh), the `molq` task and these runs. */
export const MOLQ_V8_FLAGS = ["--v8-flags=--max-semi-space-size=4"];
/**
 * As `deno task molq` runs: each command's chunk is imported when the command runs, and
 * Deno loads it then rather than every command's at start-up, as the binary does (it
 * loads its embedded modules when they are imported).
 */
export const DENO_RUN_FLAGS = ["--unstable-lazy-dynamic-imports", ...MOLQ_V8_FLAGS];
/** What runs: the bundle `deno compile` builds the binary from (scripts/bundle.sh). */
export const MOLQ_MAIN = await bundledMain();
/** GNU time, for a process's peak resident memory (`%M`). */
const GNU_TIME = "/usr/bin/time";

/** One measured figure, with the target it is held against (if any). */
export interface BenchResult {
  suite: string;
  name: string;
  /** The median. */
  value: number;
  /** The fastest run: close to the cost on a quiet machine when the median is noisy. */
  min?: number;
  unit: string;
  /** The median over the median of `deno run` of an empty file, measured alongside. */
  ratio?: number;
  /**
   * `<=` targets are maxima (times), `>=` minima (rates), `==` exact counts; `on: "ratio"`
   * holds the ratio to the floor rather than the value.
   */
  target?: { op: "<=" | ">=" | "=="; value: number; on?: "ratio" };
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
  /** Peak resident memory in MiB, when asked for. */
  rssMiB?: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Measure the peak resident memory too (through GNU time). */
  rss?: boolean;
}

/** Runs `deno run <permissions> main.ts ...args` to completion and times it (wall clock). */
export async function runMolq(
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessRun> {
  return await runProcess(
    Deno.execPath(),
    ["run", ...DENO_RUN_FLAGS, ...MOLQ_PERMISSIONS, MOLQ_MAIN, ...args],
    options,
  );
}

export async function runProcess(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessRun> {
  const rssFile = options.rss ? Deno.makeTempFileSync({ prefix: "molq-bench-rss-" }) : null;
  const argv = rssFile
    ? [GNU_TIME, "-f", "%M", "-o", rssFile, program, ...args]
    : [program, ...args];
  const command = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const start = performance.now();
  const output = await command.output();
  const ms = performance.now() - start;
  let rssMiB: number | undefined;
  if (rssFile) {
    rssMiB = Number(Deno.readTextFileSync(rssFile).trim().split("\n").at(-1)) / 1024;
    Deno.removeSync(rssFile);
  }
  return {
    ms,
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
    rssMiB,
  };
}

/** Whether GNU time is there to measure peak memory. */
export function canMeasureRss(): boolean {
  try {
    return Deno.statSync(GNU_TIME).isFile;
  } catch {
    return false;
  }
}

/** `deno run` of an empty file: what any Deno program costs on this machine, right now. */
export class Floor {
  readonly #file: string;

  constructor() {
    this.#file = join(tempDir("floor"), "empty.ts");
    Deno.writeTextFileSync(this.#file, "");
  }

  run(): Promise<ProcessRun> {
    return runProcess(Deno.execPath(), ["run", this.#file]);
  }

  remove(): void {
    Deno.removeSync(join(this.#file, ".."), { recursive: true });
  }
}

export interface FloorComparison {
  /** Median of the measured runs. */
  ms: number;
  min: number;
  /** Median of the floor runs made between them. */
  floorMs: number;
  ratio: number;
  /** Median peak memory (MiB), when measured. */
  rssMiB?: number;
  last: ProcessRun;
}

/**
 * Runs `work` and the floor alternately (`prepare` before each run of `work`, untimed), so
 * both see the same machine load; throws if a run of `work` fails.
 */
export async function againstFloor(
  floor: Floor,
  settings: RunSettings,
  work: () => Promise<ProcessRun>,
  prepare: () => void | Promise<void> = () => {},
): Promise<FloorComparison> {
  const times: number[] = [];
  const floors: number[] = [];
  const rss: number[] = [];
  let last: ProcessRun | undefined;
  for (let i = 0; i < settings.warmups + settings.runs; i++) {
    const base = await floor.run();
    await prepare();
    last = await work();
    if (last.code !== 0) {
      throw new Error(
        `a benchmark run exited with ${last.code}: ${last.stderr.trim().slice(0, 400)}`,
      );
    }
    if (i < settings.warmups) continue;
    times.push(last.ms);
    floors.push(base.ms);
    if (last.rssMiB !== undefined) rss.push(last.rssMiB);
  }
  const ms = median(times);
  const floorMs = median(floors);
  return {
    ms,
    min: Math.min(...times),
    floorMs,
    ratio: ms / floorMs,
    rssMiB: rss.length ? median(rss) : undefined,
    last: last!,
  };
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
