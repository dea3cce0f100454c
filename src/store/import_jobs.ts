/**
 * Writes imported records into the store as they were: the record, its whole state history
 * and its dependencies, in one transaction. A job id the store already has is left alone,
 * so importing the same file again adds nothing.
 */
import type { JobRecord } from "../core/job_record.ts";
import type { JobStore } from "./job_store.ts";
import { insertJobSql, insertValues } from "./job_row.ts";
import type { ImportedJob } from "./python_record.ts";

export interface ImportOutcome {
  added: JobRecord[];
  /** Job ids the store already had (an earlier import, most likely). */
  present: string[];
}

/** Which of these job ids the store already holds. */
export function presentJobIds(store: JobStore, jobIds: readonly string[]): Set<string> {
  const rows = store.prepare(
    "SELECT job_id FROM jobs WHERE job_id IN (SELECT value FROM json_each(?))",
  ).all(JSON.stringify(jobIds)) as { job_id: string }[];
  return new Set(rows.map((r) => r.job_id));
}

export function insertImportedJobs(store: JobStore, jobs: readonly ImportedJob[]): ImportOutcome {
  const insertJob = insertJobSql("INSERT OR IGNORE");
  return store.write(() => {
    const outcome: ImportOutcome = { added: [], present: [] };
    for (const { record, transitions } of jobs) {
      const changes = store.prepare(insertJob).run(...insertValues(record)).changes;
      if (Number(changes) !== 1) {
        outcome.present.push(record.jobId);
        continue;
      }
      for (const t of transitions) {
        store.prepare(
          "INSERT INTO transitions (job_id, from_state, to_state, at, reason) VALUES (?, ?, ?, ?, ?)",
        ).run(t.jobId, t.fromState, t.toState, t.at, t.reason);
      }
      for (const d of record.request.dependencies) {
        store.prepare(
          "INSERT OR IGNORE INTO dependencies (job_id, upstream_job_id, kind) VALUES (?, ?, ?)",
        ).run(record.jobId, d.jobId, d.kind);
      }
      outcome.added.push(record);
    }
    return outcome;
  });
}
