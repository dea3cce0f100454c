/**
 * Runs one job script the way an execution host would: in its own session (so the whole
 * job is one process group), output redirected to the job's files, with a run-time limit
 * and a kill request enforced by TERM to the group, then KILL after a grace period.
 */
import { runCommand } from "../../../src/process/run_command.ts";
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
}

const POLL_MS = 100;
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
      `echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; exec /bin/sh "$2" ${redirect}`,
      "sim-job",
      options.pgidFile,
      options.script,
      options.stdoutPath,
      options.stderrPath,
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
  while (!done) {
    await Promise.race([finished, sleep(POLL_MS)]);
    if (done) break;
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
  return { code: result.code, endedBy, signal };
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
