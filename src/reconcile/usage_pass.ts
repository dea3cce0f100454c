/**
 * The usage step of a reconcile pass: for a cluster's finished jobs whose figures have not
 * settled, one batched query (`Scheduler.usage`), then per job keep the reading, or settle
 * it: when the backend says nothing can change, when two readings agree once accounting has
 * caught up (or long after the end), or when it is too late to wait any longer.
 */
import type { JobRecord } from "../core/job_record.ts";
import { emptyUsage, type JobUsage, sameFigures } from "../core/job_usage.ts";
import type { JobStore } from "../store/job_store.ts";
import { recordUsage, type StoredUsage, unsettledUsage } from "../store/usage_rows.ts";
import type { Scheduler, TrackedJob, UsageReading } from "../schedulers/scheduler.ts";
import { explainMemoryKill, withRecordFigures } from "./usage_figures.ts";

/** A stable reading that accounting never completed (no MaxRSS, say) is kept after this. */
export const SETTLE_INCOMPLETE_AFTER_MS = 5 * 60_000;
/** No reading at all this long after the end: the figures stay unknown. */
export const GIVE_UP_AFTER_MS = 60 * 60_000;

export interface UsageStep {
  changed: number;
  commandCalls: number;
}

/** What to store for one job: the reading (merged with the record's figures) and whether final. */
export function settleReading(
  row: StoredUsage,
  reading: UsageReading | undefined,
  record: JobRecord,
  now: number,
): { usage: JobUsage | null; settled: boolean } {
  const endedAt = record.finishedAt ?? row.createdAt;
  const late = now - endedAt >= GIVE_UP_AFTER_MS;
  if (reading === undefined) {
    const usage = row.usage ?? (late ? withRecordFigures(emptyUsage(), record) : null);
    return { usage, settled: late };
  }
  const usage = withRecordFigures(reading.usage, record);
  if (reading.final || late) return { usage, settled: true };
  const agrees = row.usage !== null && sameFigures(row.usage, usage);
  const caughtUp = reading.complete || now - endedAt >= SETTLE_INCOMPLETE_AFTER_MS;
  return { usage, settled: agrees && caughtUp };
}

/**
 * Runs the step for `cluster`; a failing usage query throws (figures stay unsettled).
 * `track` says what the backend is told about a record.
 */
export async function readUnsettledUsage(
  store: JobStore,
  cluster: string,
  scheduler: Scheduler,
  track: (record: JobRecord) => TrackedJob,
  now: number,
): Promise<UsageStep> {
  const rows = unsettledUsage(store, cluster);
  if (rows.length === 0) return { changed: 0, commandCalls: 0 };
  const records = new Map(
    store.list({ jobIds: rows.map((row) => row.jobId) }).map((r) => [r.jobId, r]),
  );
  const ask: [StoredUsage, JobRecord][] = [];
  let changed = 0;
  store.write(() => {
    for (const row of rows) {
      const record = records.get(row.jobId);
      if (!record) continue;
      const isArray = record.arrayJobId === null && record.request.scheduling.array !== undefined;
      if (isArray || !scheduler.usage) {
        // An array's figures are its tasks'; a backend without re-reads told all it knew.
        const usage = isArray ? null : withRecordFigures(row.usage ?? emptyUsage(), record);
        recordUsage(store, row.jobId, usage, { settled: true, now });
        changed++;
      } else ask.push([row, record]);
    }
  });
  if (ask.length === 0 || !scheduler.usage) return { changed, commandCalls: 0 };
  const report = await scheduler.usage(ask.map(([, record]) => track(record)));
  store.write(() => {
    for (const [row, record] of ask) {
      const decision = settleReading(row, report.readings.get(row.jobId), record, now);
      recordUsage(store, row.jobId, decision.usage, { settled: decision.settled, now });
      explainMemoryKill(store, record, decision.usage);
      if (decision.settled) changed++;
    }
  });
  return { changed, commandCalls: report.commandCalls };
}
