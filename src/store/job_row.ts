/** Mapping between a `jobs` table row and a JobRecord. */
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";
import type { JobRequest } from "../core/job_request.ts";

type Row = Record<string, unknown>;

/** Record fields and their columns; JSON columns are (de)serialised. */
export const COLUMNS: Record<keyof JobRecord, string> = {
  jobId: "job_id",
  cluster: "cluster",
  scheduler: "scheduler",
  schedulerJobId: "scheduler_job_id",
  state: "state",
  stateDetail: "state_detail",
  createdAt: "created_at",
  submittedAt: "submitted_at",
  startedAt: "started_at",
  finishedAt: "finished_at",
  exitCode: "exit_code",
  failureReason: "failure_reason",
  name: "name",
  command: "command_json",
  commandDisplay: "command_display",
  cwd: "cwd",
  jobDir: "job_dir",
  metadata: "metadata_json",
  request: "request_json",
  runLabel: "run_label",
  attempt: "attempt",
  lineageId: "lineage_id",
  previousAttemptId: "previous_attempt_id",
  arrayJobId: "array_job_id",
  arrayTaskId: "array_task_id",
  notBefore: "not_before",
  lastPolled: "last_polled",
  missingSince: "missing_since",
  missingPolls: "missing_polls",
  host: "host",
  bootId: "boot_id",
};

const JSON_FIELDS = new Set<keyof JobRecord>(["command", "metadata", "request"]);

export type SqlValue = string | number | null;

/**
 * The request figures a reconcile pass reads of every active job, kept beside request_json
 * in columns of their own (migration 7) so that a pass parses no JSON. Written with the
 * request, in the same statement.
 */
const REQUEST_FIGURE_COLUMNS = [
  "request_time_limit_seconds",
  "request_array",
  "request_memory_bytes",
] as const;

function requestFigures(request: JobRequest): SqlValue[] {
  return [
    request.resources.timeLimitSeconds ?? null,
    request.scheduling.array ?? null,
    request.resources.memoryBytes ?? null,
  ];
}

const RECORD_FIELDS = Object.keys(COLUMNS) as (keyof JobRecord)[];
const INSERT_COLUMNS = [...RECORD_FIELDS.map((field) => COLUMNS[field]), ...REQUEST_FIGURE_COLUMNS];
const INSERT_TAIL = `INTO jobs (${INSERT_COLUMNS.join(", ")}) VALUES (${
  INSERT_COLUMNS.map(() => "?").join(", ")
})`;

/** `INSERT ... INTO jobs (...) VALUES (...)` for insertValues(). */
export function insertJobSql(verb = "INSERT"): string {
  return `${verb} ${INSERT_TAIL}`;
}

export function insertValues(record: JobRecord): SqlValue[] {
  return [
    ...RECORD_FIELDS.map((field) => toColumnValue(field, record[field])),
    ...requestFigures(record.request),
  ];
}

/** The `column = ?` assignments and values of an update to `field` (the request's figures with it). */
export function columnAssignments(
  field: keyof JobRecord,
  value: unknown,
): { sets: string[]; params: SqlValue[] } {
  const sets = [`${COLUMNS[field]} = ?`];
  const params = [toColumnValue(field, value)];
  if (field === "request") {
    sets.push(...REQUEST_FIGURE_COLUMNS.map((column) => `${column} = ?`));
    params.push(...requestFigures(value as JobRequest));
  }
  return { sets, params };
}

export function toColumnValue(field: keyof JobRecord, value: unknown): SqlValue {
  if (JSON_FIELDS.has(field)) return JSON.stringify(value);
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value as SqlValue;
}

export function rowToRecord(row: Row): JobRecord {
  const text = (column: string) => (row[column] ?? null) as string | null;
  const num = (column: string) => (row[column] === null ? null : Number(row[column]));
  return {
    jobId: row.job_id as string,
    cluster: row.cluster as string,
    scheduler: row.scheduler as SchedulerKind,
    schedulerJobId: text("scheduler_job_id"),
    state: row.state as JobState,
    stateDetail: text("state_detail"),
    createdAt: Number(row.created_at),
    submittedAt: num("submitted_at"),
    startedAt: num("started_at"),
    finishedAt: num("finished_at"),
    exitCode: num("exit_code"),
    failureReason: text("failure_reason"),
    name: text("name"),
    command: JSON.parse(row.command_json as string),
    commandDisplay: row.command_display as string,
    cwd: row.cwd as string,
    jobDir: row.job_dir as string,
    metadata: JSON.parse(row.metadata_json as string),
    request: JSON.parse(row.request_json as string),
    runLabel: text("run_label"),
    attempt: Number(row.attempt),
    lineageId: row.lineage_id as string,
    previousAttemptId: text("previous_attempt_id"),
    arrayJobId: text("array_job_id"),
    arrayTaskId: text("array_task_id"),
    notBefore: num("not_before"),
    host: text("host"),
    bootId: text("boot_id"),
    lastPolled: num("last_polled"),
    missingSince: num("missing_since"),
    missingPolls: Number(row.missing_polls ?? 0),
  };
}
