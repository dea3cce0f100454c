/** The persisted record of one job: what the store keeps and every view reads. */
import type { JobCommand, JobRequest } from "./job_request.ts";
import type { JobState } from "./job_state.ts";

export const SCHEDULER_KINDS = ["local", "slurm", "pbs", "lsf", "sge"] as const;
/** The backends molq drives: `local`, `slurm`, `pbs`, `lsf`, `sge`. */
export type SchedulerKind = typeof SCHEDULER_KINDS[number];

/** Metadata keys molq writes on every submission (absolute paths). */
export const META_STDOUT = "molq.stdout_path";
export const META_STDERR = "molq.stderr_path";
export const META_JOB_DIR = "molq.job_dir";

/**
 * The persisted record of one job: ids, scheduler identity, cached state, timestamps (epoch
 * ms), exit code, failure reason, command and metadata (`molq.stdout_path`, ...).
 */
export interface JobRecord {
  jobId: string;
  cluster: string;
  scheduler: SchedulerKind;
  schedulerJobId: string | null;
  state: JobState;
  /** Native detail: pending reason, COMPLETING, SUSPENDED, ... */
  stateDetail: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  submittedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  failureReason: string | null;
  name: string | null;
  command: JobCommand;
  commandDisplay: string;
  cwd: string;
  jobDir: string;
  metadata: Record<string, string>;
  request: JobRequest;
  runLabel: string | null;
  /** 1 for the first attempt; retries count up within one lineage. */
  attempt: number;
  /** The first attempt's job id; equals jobId for a first attempt. */
  lineageId: string;
  previousAttemptId: string | null;
  /** For an array task: the array's record and the task index. */
  arrayJobId: string | null;
  arrayTaskId: string | null;
  /** For a retry waiting out its backoff: do not submit before this time. */
  notBefore: number | null;
  lastPolled: number | null;
  /** When the scheduler and every other source first stopped knowing the job. */
  missingSince: number | null;
  missingPolls: number;
  /** Local jobs: the host the job runs on and its boot id then; null for batch jobs. */
  host: string | null;
  bootId: string | null;
}

/** One row of a record's state history. */
export interface StateTransition {
  jobId: string;
  fromState: JobState | null;
  toState: JobState;
  at: number;
  reason: string | null;
}
