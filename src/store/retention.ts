/**
 * Retention (SPEC §6): removes the job directories of jobs that finished long ago and,
 * later, their records with their state history. Only terminal records are touched, a
 * directory still used by an active record is never removed, and a path is only removed
 * when it is a job directory (named after its job id).
 */
import { basename } from "../core/paths.ts";
import type { JobState } from "../core/job_state.ts";
import type { JobStore } from "./job_store.ts";

export interface RetentionOptions {
  /** Remove the directories of jobs that finished longer ago than this. */
  dirsOlderThanMs: number;
  /** Delete the records (with their transitions) of jobs that finished longer ago. */
  recordsOlderThanMs: number;
  /** Keep the directories of failed, timed-out and lost jobs (until their record goes). */
  keepFailedDirs: boolean;
  /** Report what would go, remove nothing. */
  dryRun: boolean;
  now?: number;
}

export interface RetentionReport {
  dryRun: boolean;
  directories: { count: number; bytes: number };
  records: { count: number };
  /** Old directories kept because their job failed (see keepFailedDirs). */
  keptFailedDirectories: number;
  /** Directories that could not be removed, with why. */
  errors: string[];
}

/** The states whose directories `keepFailedDirs` keeps: a post-mortem may need them. */
export const FAILED_STATES: ReadonlySet<JobState> = new Set(["failed", "timed_out", "lost"]);

const TERMINAL_SQL = "('succeeded','failed','cancelled','timed_out','lost')";
const ACTIVE_SQL = "('created','submitted','queued','running')";
/** Records deleted per write transaction: short transactions keep other processes going. */
const DELETE_BATCH = 2_000;

/**
 * Removes old job directories, then old records. A record's directory goes with it, even
 * a failed job's: nothing could find the directory once its record is gone.
 */
export function applyRetention(store: JobStore, options: RetentionOptions): RetentionReport {
  const now = options.now ?? Date.now();
  const dirsCutoff = now - options.dirsOlderThanMs;
  const recordsCutoff = now - options.recordsOlderThanMs;
  const report: RetentionReport = {
    dryRun: options.dryRun,
    directories: { count: 0, bytes: 0 },
    records: { count: 0 },
    keptFailedDirectories: 0,
    errors: [],
  };
  const activeDirs = new Set(
    store.prepare(`SELECT DISTINCT job_dir FROM jobs WHERE state IN ${ACTIVE_SQL}`).all()
      .map((row) => row.job_dir as string),
  );
  const candidates = store.prepare(
    `SELECT job_id, job_dir, state, coalesce(finished_at, created_at) AS ended FROM jobs
     WHERE state IN ${TERMINAL_SQL} AND coalesce(finished_at, created_at) < ?`,
  ).all(Math.max(dirsCutoff, recordsCutoff)) as {
    job_id: string;
    job_dir: string;
    state: JobState;
    ended: number;
  }[];
  const doomed: string[] = [];
  for (const row of candidates) {
    const deleteRecord = row.ended < recordsCutoff;
    if (deleteRecord) doomed.push(row.job_id);
    if (!deleteRecord && row.ended >= dirsCutoff) continue;
    // Array tasks share their array's directory; the array's own record decides.
    if (basename(row.job_dir) !== row.job_id || activeDirs.has(row.job_dir)) continue;
    const bytes = directoryBytes(row.job_dir);
    if (bytes === null) continue; // already gone
    if (!deleteRecord && options.keepFailedDirs && FAILED_STATES.has(row.state)) {
      report.keptFailedDirectories++;
      continue;
    }
    if (!options.dryRun) {
      try {
        Deno.removeSync(row.job_dir, { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          report.errors.push(`${row.job_dir}: ${error instanceof Error ? error.message : error}`);
          continue;
        }
      }
    }
    report.directories.count++;
    report.directories.bytes += bytes;
  }
  report.records.count = doomed.length;
  if (!options.dryRun) {
    doomed.sort(); // neighbouring keys: fewer pages touched per batch
    for (let i = 0; i < doomed.length; i += DELETE_BATCH) {
      store.delete(doomed.slice(i, i + DELETE_BATCH));
    }
  }
  return report;
}

/** Total size of the files under `path` (symlinks not followed), or null if it is gone. */
function directoryBytes(path: string): number | null {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return null;
  }
  if (!info.isDirectory) return info.size;
  let total = 0;
  try {
    for (const entry of Deno.readDirSync(path)) {
      total += directoryBytes(`${path}/${entry.name}`) ?? 0;
    }
  } catch {
    // Unreadable: count what we saw; removal reports its own error.
  }
  return total;
}
