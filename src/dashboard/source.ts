/**
 * Where the dashboard's data comes from: a small contract (so the screen is tested
 * without a database or scheduler) and the implementation over a JobStore.
 */
import type { JobRecord, StateTransition } from "../core/job_record.ts";
import { ACTIVE_STATES } from "../core/job_state.ts";
import type { JobStore, ListQuery } from "../store/job_store.ts";
import {
  DASHBOARD_JOB_COLUMNS,
  type DashboardJob,
  dashboardJobFromArray,
} from "../store/job_views.ts";
import type { JobUsage } from "../core/job_usage.ts";
import { usageOf } from "../store/usage_rows.ts";

/** What a finished job used, as the dashboard shows it. */
export interface UsageView {
  usage: JobUsage | null;
  /** False while accounting may still change the figures. */
  settled: boolean;
}

/** A scheduler query that failed for one cluster during a refresh; jobs keep their state. */
export interface ClusterError {
  cluster: string;
  message: string;
}

export interface RefreshResult {
  errors: ClusterError[];
}

/** The last bytes of a log file, decoded. */
export interface LogTail {
  path: string;
  /** False while the job has not created the file yet. */
  exists: boolean;
  text: string;
  sizeBytes: number;
  /** True when the text starts mid-file (only the tail was read). */
  partial: boolean;
}

export interface DashboardSource {
  /**
   * Asks the schedulers what changed and persists it (the shared reconcile path, at most
   * one scheduler query per cluster per interval). The dashboard never runs two at once;
   * `signal` aborts when the dashboard closes (honouring it is optional).
   */
  refresh(signal?: AbortSignal): Promise<RefreshResult>;
  /** The table's fields of the records, newest first (JobStore.list's order). */
  load(query: ListQuery): DashboardJob[];
  get(jobId: string): JobRecord | undefined;
  transitions(jobId: string): StateTransition[];
  cancel(jobId: string): Promise<void>;
  /** `record`: the job whose log it is (a remote job's log is read on its cluster). */
  readLogTail(path: string, maxBytes: number, record?: JobRecord): Promise<LogTail>;
  /**
   * Optional: a value that changes whenever the store may have changed, in this process or
   * another. When it has not changed the dashboard skips re-reading the records.
   */
  changeToken?(): string;
  /** Optional: what these jobs used (finished jobs only), by job id. */
  usage?(jobIds: readonly string[]): ReadonlyMap<string, UsageView>;
}

/**
 * A DashboardSource over a JobStore. `refreshFn` runs the reconcile pass and reports
 * per-cluster errors; `cancelFn` cancels one job (the CLI's cancel path).
 */
export function storeDashboardSource(
  store: JobStore,
  refreshFn: (signal?: AbortSignal) => Promise<RefreshResult>,
  cancelFn: (jobId: string) => Promise<void>,
  readTail: DashboardSource["readLogTail"] = readLogTail,
): DashboardSource {
  return {
    refresh: refreshFn,
    // The table's columns only: the full record (its JSON parsed) is read for the detail view.
    load: (query) => store.selectArrays(query, DASHBOARD_JOB_COLUMNS, dashboardJobFromArray),
    get: (jobId) => store.get(jobId),
    transitions: (jobId) => store.transitions(jobId),
    cancel: cancelFn,
    readLogTail: readTail,
    usage: (jobIds) =>
      new Map(
        [...usageOf(store, jobIds)].map((
          [jobId, row],
        ) => [jobId, { usage: row.usage, settled: row.settledAt !== null }]),
      ),
    // Moved by triggers on every job and usage change, in any process (not by the poll
    // bookkeeping a pass writes even when no job changed).
    changeToken: () => String(store.changeVersion()),
  };
}

/**
 * Reads at most `maxBytes` from the end of `path`. A missing file is not an error (the
 * job has not written yet); a file that shrank (truncated, rotated) is simply read again
 * from its new end. A tail that starts mid-file drops its first, partial line.
 */
export async function readLogTail(path: string, maxBytes: number): Promise<LogTail> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { path, exists: false, text: "", sizeBytes: 0, partial: false };
    }
    throw error;
  }
  try {
    const sizeBytes = (await file.stat()).size;
    const start = Math.max(0, sizeBytes - maxBytes);
    if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    const buffer = new Uint8Array(sizeBytes - start);
    let filled = 0;
    while (filled < buffer.length) {
      const read = await file.read(buffer.subarray(filled));
      if (read === null) break; // truncated while reading
      filled += read;
    }
    let text = new TextDecoder().decode(buffer.subarray(0, filled));
    if (start > 0) {
      const newline = text.indexOf("\n");
      if (newline !== -1) text = text.slice(newline + 1);
    }
    return { path, exists: true, text, sizeBytes, partial: start > 0 };
  } finally {
    file.close();
  }
}

/** Which jobs a dashboard shows. */
export interface DashboardQuery {
  /** Focus: exactly these jobs (RunDashboard). */
  jobIds?: readonly string[];
  /** Focus: the jobs of one run label. */
  runLabel?: string;
  cluster?: string;
  /** Terminal jobs too (a focused dashboard always shows them). */
  all?: boolean;
  limit?: number;
}

/**
 * Loads the records for `query`, newest first. Without `all` only active jobs are listed,
 * plus jobs this session saw active that have since finished (`seenActive` collects their
 * ids), so a job that ends stays on screen with its final state instead of vanishing.
 */
export function loadDashboardRecords(
  source: DashboardSource,
  query: DashboardQuery,
  seenActive: Set<string>,
): DashboardJob[] {
  const base: ListQuery = { cluster: query.cluster, limit: query.limit };
  if (query.jobIds !== undefined || query.runLabel !== undefined) {
    // A focused array brings its tasks, so it expands like anywhere else.
    const withTasks = query.jobIds !== undefined;
    return source.load({ ...base, jobIds: query.jobIds, runLabel: query.runLabel, withTasks });
  }
  if (query.all) return source.load(base);
  const active = source.load({ ...base, states: ACTIVE_STATES });
  const activeIds = new Set(active.map((record) => record.jobId));
  const finishedIds = [...seenActive].filter((id) => !activeIds.has(id));
  for (const id of activeIds) seenActive.add(id);
  if (finishedIds.length === 0) return active;
  const finished = source.load({ ...base, jobIds: finishedIds });
  const merged = [...active, ...finished].sort((a, b) =>
    b.createdAt - a.createdAt || (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0)
  );
  return query.limit === undefined ? merged : merged.slice(0, query.limit);
}
