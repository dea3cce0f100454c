/** The SQL of the store's listings and updates, built from a ListQuery or a RecordPatch. */
import type { JobRecord } from "../core/job_record.ts";
import { columnAssignments, type SqlValue } from "./job_row.ts";
import type { ListQuery, RecordPatch } from "./job_store.ts";

/** Rows per page of a streamed listing. */
export const PAGE_ROWS = 500;

/** Where the next page of a listing starts: right after this row (newest first). */
export interface PageStart {
  createdAt: number;
  jobId: string;
}

/** The query of `list`, newest first, selecting `columns` (from `after` on, when given). */
export function listSql(
  query: ListQuery,
  columns: string,
  after?: PageStart,
): { sql: string; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (after !== undefined) {
    where.push("(created_at, job_id) < (?, ?)");
    params.push(after.createdAt, after.jobId);
  }
  // Given job ids are looked up by key: the planner cannot know that json_each() holds a
  // few ids and would otherwise walk every active job of the cluster ("+" keeps a column's
  // index out of the plan).
  const filter = query.jobIds !== undefined ? "+" : "";
  if (query.cluster !== undefined) {
    where.push(`${filter}cluster = ?`);
    params.push(query.cluster);
  }
  if (query.states !== undefined) {
    where.push(`${filter}state IN (${query.states.map(() => "?").join(", ") || "NULL"})`);
    params.push(...query.states);
  }
  if (query.runLabel !== undefined) {
    where.push(`${filter}run_label = ?`);
    params.push(query.runLabel);
  }
  if (query.jobIds !== undefined) {
    const ids = JSON.stringify(query.jobIds);
    where.push(
      query.withTasks
        ? "(job_id IN (SELECT value FROM json_each(?)) OR array_job_id IN (SELECT value FROM json_each(?)))"
        : "job_id IN (SELECT value FROM json_each(?))",
    );
    params.push(...(query.withTasks ? [ids, ids] : [ids]));
  }
  if (query.topLevelOnly) where.push("array_task_id IS NULL");
  const order = query.unordered ? "" : "ORDER BY created_at DESC, job_id DESC";
  const sql = `SELECT ${columns} FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ${order} ${query.limit !== undefined ? "LIMIT ?" : ""}`;
  if (query.limit !== undefined) params.push(query.limit);
  return { sql, params };
}

/** `UPDATE jobs SET ...` of the patch's defined fields (`first` before them); no WHERE. */
export function updateSql(
  patch: RecordPatch,
  first?: string,
  firstParams: SqlValue[] = [],
): { sql: string; params: SqlValue[] } {
  const sets = first ? [first] : [];
  const params = [...firstParams];
  for (const [field, value] of Object.entries(patch) as [keyof JobRecord, unknown][]) {
    if (value === undefined) continue;
    const assignments = columnAssignments(field, value);
    sets.push(...assignments.sets);
    params.push(...assignments.params);
  }
  return { sql: `UPDATE jobs SET ${sets.join(", ")}`, params: sets.length ? params : [] };
}
