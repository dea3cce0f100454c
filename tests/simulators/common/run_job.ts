/**
 * Runs one job script the way an execution host would: in its own session (so the whole
 * job is one process group), output redirected to the job's files, with a run-time limit
 * and a kill request enforced by TERM to the group, then KILL after a grace period. It
 * measures what the job used as an execution host does: CPU time from the job shell's
 * reaped children (`times`), else from /proc samples, and the largest sampled RSS sum.
 */
import { runCommand } from "../../../src/process/run_command.ts";
import { parseTimesLine } from "../../../src/schedulers/wrapper_usage.ts";
import { sampleProcessTree } from "./process_tree_usage.ts";
import { exists, sleep } from "./sim_state.ts";

export interface RunJobOptions {
  script: string;
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  /** Where the job's process group id is written once it runs. */
  pgidFile: string;
  limitSeconds: number | null;
  killGraceMs: number;
  /** Polled while the job runs: a kill was requested (qdel, bkill). */
  killRequested: () => boolean;
  /** Append to the output files instead of truncating them. */
  append?: boolean;
}

export interface RunJobResult {
  /** The shell's exit code; 128+N when a signal ended it. */
  code: number;
  endedBy: "exit" | "limit" | "kill";
  /** The signal that was last sent to the group, if any. */
  signal: "SIGTERM" | "SIGKILL" | null;
  /** CPU time of the job's processes; null when nothing measured it. */
  cpuSeconds: number | null;
  /** The largest sampled RSS sum of the job's processes, in KiB; null when never sampled. */
  peakRssKb: number | null;
}

const POLL_MS = 100;
/** How often the job's processes are sampled (PBS MoMs and LSF RESs poll like this too). */
const SAMPLE_EVERY_POLLS = 3;
const WEEK_MS = 7 * 86400_000;

export async function runJob(options: RunJobOptions): Promise<RunJobResult> {
  const out = options.append ? '>>"$3"' : '>"$3"';
  const err = options.stderrPath === options.stdoutPath
    ? "2>&1"
    : options.append
    ? '2>>"$4"'
    : '2>"$4"';
  const redirect = `${out} ${err}`;
  const child = runCommand(
    [
      "setsid",
      "/bin/sh",
      "-c",
      // The job shell survives a TERM to the group (after its child) to report `times`.
      `echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; trap : TERM; /bin/sh "$2" ${redirect}; c=$?; times >"$5" 2>/dev/null; exit "$c"`,
      "sim-job",
      options.pgidFile,
      options.script,
      options.stdoutPath,
      options.stderrPath,
      `${options.pgidFile}.times`,
    ],
    { cwd: options.cwd, env: options.env, timeoutMs: WEEK_MS, allowFailure: true },
  );
  let done = false;
  const finished = child.then((result) => {
    done = true;
    return result;
  });
  const started = Date.now();
  let endedBy: RunJobResult["endedBy"] = "exit";
  let signal: RunJobResult["signal"] = null;
  let termSentAt = 0;
  let polls = 0;
  let peakRssKb: number | null = null;
  let sampledCpu: number | null = null;
  while (!done) {
    await Promise.race([finished, sleep(POLL_MS)]);
    if (done) break;
    if (polls++ % SAMPLE_EVERY_POLLS === 0) {
      const pgid = readPgid(options.pgidFile);
      const sample = pgid === null ? null : sampleProcessTree(pgid);
      if (sample) {
        peakRssKb = Math.max(peakRssKb ?? 0, sample.rssKb);
        sampledCpu = Math.max(sampledCpu ?? 0, sample.cpuSeconds);
      }
    }
    if (endedBy === "exit") {
      const overLimit = options.limitSeconds !== null &&
        Date.now() - started >= options.limitSeconds * 1000;
      if (overLimit) endedBy = "limit";
      else if (options.killRequested()) endedBy = "kill";
    }
    if (endedBy === "exit") continue;
    // The group id file may not exist yet right after start: keep trying until it does.
    if (signal === null && signalGroup(options.pgidFile, "SIGTERM")) {
      signal = "SIGTERM";
      termSentAt = Date.now();
    } else if (signal === "SIGTERM" && Date.now() - termSentAt >= options.killGraceMs) {
      if (signalGroup(options.pgidFile, "SIGKILL")) signal = "SIGKILL";
    }
  }
  const result = await finished;
  let cpuSeconds = sampledCpu;
  try {
    const lines = Deno.readTextFileSync(`${options.pgidFile}.times`).split("\n");
    cpuSeconds = parseTimesLine(lines[1] ?? "") ?? cpuSeconds;
  } catch {
    // killed before it could report: the samples are all there is
  }
  return { code: result.code, endedBy, signal, cpuSeconds, peakRssKb };
}

function readPgid(pgidFile: string): number | null {
  try {
    const pgid = Number(Deno.readTextFileSync(pgidFile).trim());
    return Number.isInteger(pgid) && pgid > 1 ? pgid : null;
  } catch {
    return null;
  }
}

/** Signals the job's process group; false while its group id is not known yet. */
function signalGroup(pgidFile: string, signal: Deno.Signal): boolean {
  if (!exists(pgidFile)) return false;
  const pgid = Number(Deno.readTextFileSync(pgidFile).trim());
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
  return true;
}

/** Whether the job's output file can be opened for writing (its directory exists). */
export function canWrite(path: string): boolean {
  try {
    Deno.openSync(path, { write: true, create: true }).close();
    return true;
  } catch {
    return false;
  }
}
