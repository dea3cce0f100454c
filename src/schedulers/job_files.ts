/**
 * The files molq keeps in a job directory, and the evidence a job leaves there itself:
 * its start time, its exit code (written atomically) and markers for time-outs and
 * cancels. Every backend falls back on this evidence when the scheduler forgets a job; a
 * pass reads it in one batched step (job_files_snapshot.ts).
 */
import { MARK_CANCELLED_SH } from "../process/host_scripts.ts";
import { join } from "../core/paths.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import type { Runner } from "../process/runner.ts";

export const JOB_SCRIPT = "job.sh";
export const USER_SCRIPT = "user_script";
export const MANIFEST = "manifest.json";
export const STARTED_AT = "started_at";
export const SCHEDULER_ID = "scheduler_id";
export const EXIT_CODE = "exit_code";
/** When the exit code was written (epoch ms), beside it. */
export const FINISHED_AT = "finished_at";
/** `HOSTNAME BOOT_ID` of the machine a local job runs on, written at start. */
export const HOST_FILE = "host";
export const TIMED_OUT_MARKER = "timed_out";
/** The wrapper's `times` line for the command's processes, written when it ended. */
export const CPU_TIMES = "cpu_times";
/** The largest RSS sum (KiB) of the command's processes, sampled about every second. */
export const PEAK_RSS = "peak_rss_kib";
export const CANCELLED_MARKER = "cancelled";
/** A local array: its launcher script, task list, log paths and launcher restarts. */
export const ARRAY_LAUNCHER = "array.sh";
export const ARRAY_TASKS = "array_tasks";
export const LOCAL_ARRAY_FILE = "local_array.json";
export const LAUNCHER_RESTARTS = "launcher_restarts";
export const LAUNCHER_LOG = "launcher.log";
/**
 * The submitter's environment (`NAME=VALUE`, NUL-terminated), kept for a start that a later
 * process makes: a held job, a retry, a restarted array launcher (submit_environment.ts).
 */
export const SUBMIT_ENVIRONMENT = "environment";
export const DEFAULT_STDOUT = "stdout.log";
export const DEFAULT_STDERR = "stderr.log";
/**
 * Where a job script writes its evidence files before it moves them into the job
 * directory, several with one `mv` (each still appears whole); the step never reads it.
 */
export const STAGING_DIR = ".staging";

export function jobFile(jobDir: string, name: string): string {
  return join(jobDir, name);
}

/** What the job wrote about itself. Missing files are simply absent fields. */
export interface JobEvidence {
  startedAt?: number;
  exitCode?: number;
  /** When the exit code was written (epoch ms). */
  finishedAt?: number;
  timedOut: boolean;
  cancelled: boolean;
  /** The host a local job wrote at start. */
  host?: HostIdentity;
  /** User + system CPU seconds of the command's processes (the wrapper's `times`). */
  cpuSeconds?: number;
  /** The largest sampled RSS sum of the command's processes, in KiB (local jobs). */
  peakRssKib?: number;
}

/** A missing command writes no markers and fails as a shell does for it (status 127). */
const MARKED_CANCEL_SH = [
  'command -v "$1" >/dev/null 2>&1 || { printf \'%s: command not found\\n\' "$1" >&2; exit 127; }',
  MARK_CANCELLED_SH,
  'exec "$@"',
].join("\n");

/**
 * A cancel command (`qdel ID...`) that first writes the jobs' cancel markers, in the same
 * step where it runs, so a late exit code reads as a cancel: the markers exist only if the
 * step started (a link that drops before it leaves none to turn a job's own end into a
 * cancel). Run `argv` with `env`; without `jobDirs`, the command as it is.
 */
export function withCancelMarkers(
  argv: readonly string[],
  jobDirs: readonly string[] | undefined,
): { argv: string[]; env: Record<string, string> } {
  if (jobDirs === undefined) return { argv: [...argv], env: {} };
  return {
    argv: ["/bin/sh", "-c", MARKED_CANCEL_SH, "molq-cancel", ...argv],
    env: { MOLQ_MARKERS: jobDirs.map((dir) => jobFile(dir, CANCELLED_MARKER)).join("\n") },
  };
}

/** Marks a job as cancelled by the user, so a late exit code does not read as a failure. */
export async function writeCancelledMarker(runner: Runner, jobDir: string): Promise<void> {
  try {
    await runner.writeFile(jobFile(jobDir, CANCELLED_MARKER), `${Date.now()}\n`, 0o600);
  } catch {
    // The job directory may be gone (cleanup); the store still records the cancel.
  }
}

/** Takes a cancel marker back when the scheduler refused the cancel. */
export async function removeCancelledMarker(runner: Runner, jobDir: string): Promise<void> {
  await runner.removeFile(jobFile(jobDir, CANCELLED_MARKER)).catch(() => {});
}
