/**
 * Narrow views of job rows, for readers that need a few fields of many records: a job
 * table's summaries and a reconcile pass's active jobs. Neither parses a JSON column.
 */
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";

/** The fields of a job as tables of jobs show them (`list`, `status`). */
export type JobSummary = Pick<
  JobRecord,
  | "jobId"
  | "cluster"
  | "scheduler"
  | "host"
  | "schedulerJobId"
  | "state"
  | "stateDetail"
  | "name"
  | "commandDisplay"
  | "startedAt"
  | "finishedAt"
  | "exitCode"
  | "createdAt"
>;

/** The columns of a summary, in the order `summaryFromArray` reads them. */
export const SUMMARY_COLUMNS = [
  "job_id",
  "cluster",
  "scheduler",
  "host",
  "scheduler_job_id",
  "state",
  "state_detail",
  "name",
  "command_display",
  "started_at",
  "finished_at",
  "exit_code",
  "created_at",
].join(", ");

/** A job as the dashboard's table shows it: a summary and what the table adds to it. */
export type DashboardJob =
  & JobSummary
  & Pick<
    JobRecord,
    "runLabel" | "submittedAt" | "failureReason" | "arrayJobId" | "arrayTaskId"
  >;

/** The columns of a dashboard job, in the order `dashboardJobFromArray` reads them. */
export const DASHBOARD_JOB_COLUMNS = [
  SUMMARY_COLUMNS,
  "run_label",
  "submitted_at",
  "failure_reason",
  "array_job_id",
  "array_task_id",
].join(", ");

/**
 * What a reconcile pass reads of each active job: the record's scalar fields and the three
 * request figures a backend is told, from their own columns (no JSON column is read).
 * The full record is read only for a job whose state changes.
 */
export type ActiveJob =
  & Pick<
    JobRecord,
    | "jobId"
    | "cluster"
    | "scheduler"
    | "schedulerJobId"
    | "state"
    | "stateDetail"
    | "createdAt"
    | "submittedAt"
    | "startedAt"
    | "jobDir"
    | "arrayJobId"
    | "arrayTaskId"
    | "notBefore"
    | "missingSince"
    | "missingPolls"
    | "host"
    | "bootId"
  >
  & {
    /** `--time`, `--array` and `--mem` of the request, or null. */
    timeLimitSeconds: number | null;
    array: string | null;
    memoryBytes: number | null;
  };

/** The columns of an active job, in the order `activeJobFromArray` reads them. */
export const ACTIVE_JOB_COLUMNS = [
  "job_id",
  "cluster",
  "scheduler",
  "scheduler_job_id",
  "state",
  "state_detail",
  "created_at",
  "submitted_at",
  "started_at",
  "job_dir",
  "array_job_id",
  "array_task_id",
  "not_before",
  "missing_since",
  "missing_polls",
  "host",
  "boot_id",
  "request_time_limit_seconds",
  "request_array",
  "request_memory_bytes",
].join(", ");

type Value = string | number | null;
const str = (value: Value | undefined) => (value ?? null) === null ? null : String(value);
const int = (value: Value | undefined) => (value ?? null) === null ? null : Number(value);

/** One row of SUMMARY_COLUMNS, as an array (JobStore.iterateSummaries). */
export function summaryFromArray(row: readonly Value[]): JobSummary {
  return {
    jobId: row[0] as string,
    cluster: row[1] as string,
    scheduler: row[2] as SchedulerKind,
    host: str(row[3]),
    schedulerJobId: str(row[4]),
    state: row[5] as JobState,
    stateDetail: str(row[6]),
    name: str(row[7]),
    commandDisplay: row[8] as string,
    startedAt: int(row[9]),
    finishedAt: int(row[10]),
    exitCode: int(row[11]),
    createdAt: Number(row[12]),
  };
}

/** One row of DASHBOARD_JOB_COLUMNS, as an array (the dashboard's table). */
export function dashboardJobFromArray(row: readonly Value[]): DashboardJob {
  return {
    ...summaryFromArray(row),
    runLabel: str(row[13]),
    submittedAt: int(row[14]),
    failureReason: str(row[15]),
    arrayJobId: str(row[16]),
    arrayTaskId: str(row[17]),
  };
}

/** One row of ACTIVE_JOB_COLUMNS, as an array (JobStore.selectArrays). */
export function activeJobFromArray(row: readonly Value[]): ActiveJob {
  return {
    jobId: row[0] as string,
    cluster: row[1] as string,
    scheduler: row[2] as SchedulerKind,
    schedulerJobId: str(row[3]),
    state: row[4] as JobState,
    stateDetail: str(row[5]),
    createdAt: Number(row[6]),
    submittedAt: int(row[7]),
    startedAt: int(row[8]),
    jobDir: row[9] as string,
    arrayJobId: str(row[10]),
    arrayTaskId: str(row[11]),
    notBefore: int(row[12]),
    missingSince: int(row[13]),
    missingPolls: Number(row[14] ?? 0),
    host: str(row[15]),
    bootId: str(row[16]),
    timeLimitSeconds: int(row[17]),
    array: str(row[18]),
    memoryBytes: int(row[19]),
  };
}

/** The same view of a full record. */
export function activeJobOf(record: JobRecord): ActiveJob {
  const { resources, scheduling } = record.request;
  return {
    jobId: record.jobId,
    cluster: record.cluster,
    scheduler: record.scheduler,
    schedulerJobId: record.schedulerJobId,
    state: record.state,
    stateDetail: record.stateDetail,
    createdAt: record.createdAt,
    submittedAt: record.submittedAt,
    startedAt: record.startedAt,
    jobDir: record.jobDir,
    arrayJobId: record.arrayJobId,
    arrayTaskId: record.arrayTaskId,
    notBefore: record.notBefore,
    missingSince: record.missingSince,
    missingPolls: record.missingPolls,
    host: record.host,
    bootId: record.bootId,
    timeLimitSeconds: resources.timeLimitSeconds ?? null,
    array: scheduling.array ?? null,
    memoryBytes: resources.memoryBytes ?? null,
  };
}
