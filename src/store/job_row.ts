/** Mapping between a `jobs` table row and a JobRecord. */
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";

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
