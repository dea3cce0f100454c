/**
 * The files molq keeps in a job directory, and the evidence a job leaves there itself:
 * its start time, its exit code (written atomically) and markers for time-outs and
 * cancels. Every backend falls back on this evidence when the scheduler forgets a job.
 */
import { join } from "node:path";

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
export const CANCELLED_MARKER = "cancelled";
export const DEFAULT_STDOUT = "stdout.log";
export const DEFAULT_STDERR = "stderr.log";

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
  host?: { hostname: string; bootId: string | null };
}

/** Reads a job's evidence; an array task's files carry its index as a suffix. */
export function readJobEvidence(jobDir: string, arrayTaskId?: string | null): JobEvidence {
  const suffix = arrayTaskId ? `.${arrayTaskId}` : "";
  const evidence: JobEvidence = {
    timedOut: exists(jobFile(jobDir, TIMED_OUT_MARKER)),
    cancelled: exists(jobFile(jobDir, CANCELLED_MARKER)),
  };
  const started = readInteger(jobFile(jobDir, STARTED_AT + suffix));
  if (started !== undefined) evidence.startedAt = started * 1000;
  const exitPath = jobFile(jobDir, EXIT_CODE + suffix);
  const exitCode = readInteger(exitPath);
  if (exitCode !== undefined) {
    evidence.exitCode = exitCode;
    evidence.finishedAt = Deno.statSync(exitPath).mtime?.getTime();
  }
  return evidence;
}

/**
 * The array task ids that left evidence in a job directory (`started_at.<task>` or
 * `exit_code.<task>`), for tasks the scheduler forgot before molq ever saw them.
 */
export function listTaskEvidence(jobDir: string): string[] {
  const evidenceFile = new RegExp(`^(?:${STARTED_AT}|${EXIT_CODE})\\.(\\d+)$`);
  const ids = new Set<string>();
  try {
    for (const entry of Deno.readDirSync(jobDir)) {
      const match = evidenceFile.exec(entry.name);
      if (match) ids.add(match[1]!);
    }
  } catch {
    // No directory (cleaned up, another host): no evidence.
  }
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

/** Marks a job as cancelled by the user, so a late exit code does not read as a failure. */
export function writeCancelledMarker(jobDir: string): void {
  try {
    Deno.writeTextFileSync(jobFile(jobDir, CANCELLED_MARKER), `${Date.now()}\n`);
  } catch {
    // The job directory may be gone (cleanup, another host); the store still records the cancel.
  }
}

function readInteger(path: string): number | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
  return /^-?\d+$/.test(text) ? Number(text) : undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Takes a cancel marker back when the scheduler refused the cancel. */
export function removeCancelledMarker(jobDir: string): void {
  try {
    Deno.removeSync(jobFile(jobDir, CANCELLED_MARKER));
  } catch {
    // already gone
  }
}

/** The scheduler id the job wrote at start (see `schedulerIdExpression`), if any. */
export function readSchedulerId(jobDir: string): string | undefined {
  try {
    return Deno.readTextFileSync(jobFile(jobDir, SCHEDULER_ID)).trim() || undefined;
  } catch {
    return undefined;
  }
}
