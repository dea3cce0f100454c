/**
 * What finished jobs used, in the store: one row per job, opened when the job reaches its
 * final state (in that transaction), re-read by later passes while the scheduler's figures
 * may still change (accounting lags), and never written again once settled.
 */
import { type JobUsage, usageFromJson } from "../core/job_usage.ts";
import type { JobStore } from "./job_store.ts";

export interface StoredUsage {
  jobId: string;
  /** Null until a first reading came back. */
  usage: JobUsage | null;
  createdAt: number;
  reads: number;
  lastReadAt: number | null;
  /** Null while later passes still re-read it. */
  settledAt: number | null;
}

/**
 * Opens the usage row of a record that just ended, when it ran (a job refused at submission
 * or cancelled while it waited used nothing). Call inside the transaction recording the end.
 */
export function openUsageRow(store: JobStore, jobId: string, at: number): void {
  store.prepare(
    `INSERT OR IGNORE INTO job_usage (job_id, created_at)
     SELECT job_id, ? FROM jobs
     WHERE job_id = ? AND scheduler_job_id IS NOT NULL AND started_at IS NOT NULL`,
  ).run(at, jobId);
}

/** Stores a reading; `settled` makes it final. A settled row is never changed again. */
export function recordUsage(
  store: JobStore,
  jobId: string,
  usage: JobUsage | null,
  options: { settled: boolean; now: number },
): void {
  const { now } = options;
  const json = usage === null ? null : JSON.stringify(usage);
  const settledAt = options.settled ? now : null;
  store.prepare(
    `INSERT INTO job_usage (job_id, usage_json, created_at, reads, last_read_at, settled_at)
     VALUES (?, ?, ?, 1, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET usage_json = coalesce(excluded.usage_json, usage_json),
       reads = reads + 1, last_read_at = excluded.last_read_at, settled_at = excluded.settled_at
     WHERE job_usage.settled_at IS NULL`,
  ).run(jobId, json, now, now, settledAt);
}

/**
 * Unsettled rows of a cluster's jobs, oldest first. From the (small) unsettled index to the
 * jobs, never the other way: a pass must not walk every job of its cluster for them.
 */
export function unsettledUsage(store: JobStore, cluster: string, limit = 500): StoredUsage[] {
  return store.prepare(
    `SELECT u.* FROM job_usage u CROSS JOIN jobs j ON j.job_id = u.job_id
     WHERE u.settled_at IS NULL AND j.cluster = ? ORDER BY u.created_at LIMIT ?`,
  ).all(cluster, limit).map(toStored);
}

/** Clusters with figures still to settle (so `molq refresh` visits them). */
export function clustersWithUnsettledUsage(store: JobStore): [string, string][] {
  return (store.prepare(
    `SELECT DISTINCT j.cluster, j.scheduler FROM job_usage u
     JOIN jobs j ON j.job_id = u.job_id WHERE u.settled_at IS NULL`,
  ).all() as { cluster: string; scheduler: string }[]).map((r) => [r.cluster, r.scheduler]);
}

/** The rows of these jobs, by job id (jobs without one are absent). */
export function usageOf(store: JobStore, jobIds: readonly string[]): Map<string, StoredUsage> {
  if (jobIds.length === 0) return new Map();
  const rows = store.prepare(
    "SELECT * FROM job_usage WHERE job_id IN (SELECT value FROM json_each(?))",
  ).all(JSON.stringify(jobIds)).map(toStored);
  return new Map(rows.map((row) => [row.jobId, row]));
}

function toStored(row: Record<string, unknown>): StoredUsage {
  const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  const json = row.usage_json as string | null;
  return {
    jobId: row.job_id as string,
    usage: json === null ? null : usageFromJson(JSON.parse(json)),
    createdAt: Number(row.created_at),
    reads: Number(row.reads),
    lastReadAt: num(row.last_read_at),
    settledAt: num(row.settled_at),
  };
}
