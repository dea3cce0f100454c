/**
 * The contract every backend implements: render and submit a job, ask about many jobs
 * in one call, and cancel. Backends never touch the store; the reconciler does.
 */
import type { Dependency, JobRequest } from "../core/job_request.ts";
import type { JobState } from "../core/job_state.ts";
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import { META_STDERR, META_STDOUT } from "../core/job_record.ts";
import { UsageError } from "../core/errors.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import type { Runner } from "../process/runner.ts";
import type { JobUsage } from "../core/job_usage.ts";
import type { Environment } from "../process/run_command.ts";

/** Everything a backend needs to submit one job. Paths are absolute. */
export interface SubmitContext {
  jobId: string;
  jobDir: string;
  request: JobRequest;
  stdoutPath: string;
  stderrPath: string;
  /** The request's dependencies with the upstream jobs' scheduler ids. */
  dependencies: (Dependency & { schedulerJobId: string })[];
  /**
   * The whole environment the job (or the scheduler command that queues it) gets instead
   * of molq's own: the submitter's, when a later process starts it (submit_environment.ts).
   * Only for runners on this machine.
   */
  environment?: Environment;
}

/**
 * The host a local backend starts jobs on when that is this machine (known without asking);
 * null for batch schedulers and remote hosts.
 */
export function localHostHere(scheduler: Scheduler): string | null {
  if (scheduler.kind !== "local" || scheduler.runner.remote) return null;
  return scheduler.runner.knownHostname?.() ?? null;
}

/** The submit context of a recorded job. */
export function submitContextFor(
  record: JobRecord,
  dependencies: SubmitContext["dependencies"] = [],
  environment?: Environment,
): SubmitContext {
  return {
    jobId: record.jobId,
    jobDir: record.jobDir,
    request: record.request,
    stdoutPath: record.metadata[META_STDOUT]!,
    stderrPath: record.metadata[META_STDERR]!,
    dependencies,
    ...(environment ? { environment } : {}),
  };
}

/** A job the reconciler asks about. */
export interface TrackedJob {
  jobId: string;
  schedulerJobId: string;
  jobDir: string;
  state: JobState;
  submittedAt: number | null;
  timeLimitSeconds: number | null;
  /** Set on an array task's record. */
  arrayTaskId: string | null;
  /** The array spec of an array job's own record (`0-3`); null for everything else. */
  array?: string | null;
  /** The memory the request asked for (`--mem`), for usage figures. */
  memoryRequestBytes?: number | null;
  /** Local jobs: the host the job runs on (null when not known). */
  host?: HostIdentity | null;
  /**
   * True when `host` was not recorded with the job but assumed (records from before molq
   * tracked hosts): a host that finds the job's wrapper running there takes it over.
   */
  hostAssumed?: boolean;
}

/** What a scheduler (or the job's own files) says about one job. */
export interface Observation {
  state: Exclude<JobState, "created" | "lost">;
  exitCode?: number | null;
  /** For a final state other than success: why, in one sentence. */
  failureReason?: string | null;
  /** Native detail worth showing: pending reason, COMPLETING, SUSPENDED, ... */
  detail?: string | null;
  startedAt?: number | null;
  finishedAt?: number | null;
  /** Local jobs: the host now known to run the job, to be recorded. */
  host?: HostIdentity;
  /**
   * With a final state: what the job used, when the same answer tells (PBS's
   * resources_used, LSF's bjobs fields, the local wrapper's files).
   */
  usage?: JobUsage;
}

/** One reading of what a finished job used (see `Scheduler.usage`). */
export interface UsageReading {
  usage: JobUsage;
  /** Nothing can change any more (e.g. no accounting: only the wrapper's figures). */
  final: boolean;
  /** Every figure the source keeps is in (accounting has caught up). */
  complete: boolean;
}

export interface UsageReport {
  /** By molq job id; a job missing here has no reading yet (accounting lags). */
  readings: Map<string, UsageReading>;
  commandCalls: number;
}

/** An array task seen for the first time, to become a record of its own. */
export interface ArrayTaskObservation {
  arrayJobId: string;
  taskId: string;
  schedulerJobId: string;
  observation: Observation;
  /** The task's resolved log paths, when the scheduler names them per task. */
  stdoutPath?: string;
  stderrPath?: string;
}

export interface StatusReport {
  /** By molq job id. A tracked job missing here has no evidence anywhere (see `lost`). */
  observations: Map<string, Observation>;
  newArrayTasks: ArrayTaskObservation[];
  /** How many scheduler commands this query ran. */
  commandCalls: number;
  /**
   * Jobs this pass may not judge (local jobs of another host): they keep their state and
   * nothing about them is written, so they never drift toward `lost` either.
   */
  elsewhere?: ReadonlySet<string>;
}

export interface SubmitResult {
  schedulerJobId: string;
  /** Local jobs: the host the job was started on. */
  host?: HostIdentity;
}

/** The contract every backend implements: validate, submit, status of many jobs, cancel. */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** Where its commands run and its job files live (this host, or a cluster over SSH). */
  readonly runner: Runner;
  /** Throws a UsageError listing every field of the request this backend cannot honour. */
  validate(request: JobRequest): void;
  submit(context: SubmitContext): Promise<SubmitResult>;
  /** One batched query for many jobs. Throws when the scheduler cannot answer. */
  status(jobs: readonly TrackedJob[]): Promise<StatusReport>;
  /** Cancels the jobs; throws when the scheduler refuses. */
  cancel(jobs: readonly TrackedJob[]): Promise<void>;
  /**
   * Optional: one batched query for what finished jobs used, asked again on later passes
   * until the figures settle (SLURM's accounting lags the end of a job). Backends without
   * it report usage with the final observation, once.
   */
  usage?(jobs: readonly TrackedJob[]): Promise<UsageReport>;
}

/** Request fields a backend may or may not support, by their CLI flag names. */
export type RequestField =
  | "cpus"
  | "mem"
  | "time"
  | "gpus"
  | "gpu-type"
  | "nodes"
  | "exclusive"
  | "partition"
  | "account"
  | "qos"
  | "reservation"
  | "array"
  | "after"
  | "after-ok"
  | "after-fail"
  | "after-start"
  | "scheduler-arg";

const DEPENDENCY_FLAGS = {
  after: "after",
  afterok: "after-ok",
  afternotok: "after-fail",
  afterstart: "after-start",
} as const;

/** The request fields that are set, by flag name. */
export function requestedFields(request: JobRequest): RequestField[] {
  const r = request.resources;
  const s = request.scheduling;
  const fields: [RequestField, unknown][] = [
    ["cpus", r.cpus],
    ["mem", r.memoryBytes],
    ["time", r.timeLimitSeconds],
    ["gpus", r.gpus],
    ["gpu-type", r.gpuType],
    ["nodes", r.nodes],
    ["exclusive", r.exclusive || undefined],
    ["partition", s.partition],
    ["account", s.account],
    ["qos", s.qos],
    ["reservation", s.reservation],
    ["array", s.array],
    ["scheduler-arg", request.extraArgs.length > 0 ? true : undefined],
  ];
  const set = fields.filter(([, value]) => value !== undefined).map(([name]) => name);
  for (const dependency of request.dependencies) {
    const flag = DEPENDENCY_FLAGS[dependency.kind];
    if (!set.includes(flag)) set.push(flag);
  }
  return set;
}

/** Throws one UsageError naming every requested field outside `supported`. */
export function assertSupported(
  kind: SchedulerKind,
  request: JobRequest,
  supported: ReadonlySet<RequestField>,
): void {
  const unsupported = requestedFields(request).filter((field) => !supported.has(field));
  if (unsupported.length === 0) return;
  const flags = unsupported.map((field) => `--${field}`).join(", ");
  throw new UsageError(`The ${kind} scheduler does not support ${flags}.`);
}
