/**
 * Maps one job of the Python molq's store onto a molq record: the same job id, state,
 * times (Unix seconds there, milliseconds here), exit code, reason, lineage, log paths,
 * dependencies and state history. What the frozen request holds beyond molq's request is
 * kept verbatim, as JSON, in the metadata key `molq.import.unmapped`.
 */
import { join } from "../core/paths.ts";
import {
  type JobRecord,
  META_JOB_DIR,
  META_STDERR,
  META_STDOUT,
  SCHEDULER_KINDS,
  type SchedulerKind,
  type StateTransition,
} from "../core/job_record.ts";
import type {
  Dependency,
  DependencyKind,
  JobCommand,
  JobRequest,
  Resources,
  RetryPolicy,
  Scheduling,
} from "../core/job_request.ts";
import { isJobState, type JobState } from "../core/job_state.ts";
import { parseMemoryBytes } from "../core/memory.ts";
import { parseDurationSeconds } from "../core/duration.ts";
import type { PythonDependencyRow, PythonJobRow, PythonTransitionRow } from "./python_store.ts";
import {
  convert,
  iso,
  type Json,
  keepUnknown,
  ms,
  msOrNull,
  object,
  parseObject,
  positiveInteger,
  stringValues,
  text,
} from "./python_values.ts";

export interface ImportedJob {
  record: JobRecord;
  transitions: StateTransition[];
}

/** A job that cannot be a molq record (a scheduler or state molq does not have). */
export class UnmappableJob extends Error {
  constructor(readonly jobId: string, why: string) {
    super(why);
    this.name = "UnmappableJob";
  }
}

export const IMPORT_META = {
  source: "molq.import.source",
  cluster: "molq.import.cluster",
  profile: "molq.import.profile",
  retryGroup: "molq.import.retry_group",
  cleanedAt: "molq.import.cleaned_at",
  unmapped: "molq.import.unmapped",
} as const;

const DEPENDENCY_KINDS: Record<string, DependencyKind> = {
  after_success: "afterok",
  after_failure: "afternotok",
  after_started: "afterstart",
  after: "after",
};

/** Python's default retry states: molq retries on exactly these. */
const DEFAULT_RETRY_STATES = ["failed", "timed_out"];

export interface MapContext {
  /** The molq cluster the job goes to (after the rename rule). */
  cluster: string;
  /** The file imported from, kept in the metadata. */
  source: string;
  /** The job's rows of status_transitions and job_dependencies, in their order. */
  transitions: readonly PythonTransitionRow[];
  dependencies: readonly PythonDependencyRow[];
}

export function mapPythonJob(row: PythonJobRow, context: MapContext): ImportedJob {
  const scheduler = row.scheduler;
  if (!(SCHEDULER_KINDS as readonly string[]).includes(scheduler)) {
    throw new UnmappableJob(row.job_id, `molq has no "${scheduler}" scheduler`);
  }
  if (!isJobState(row.state)) throw new UnmappableJob(row.job_id, `unknown state "${row.state}"`);
  if (!/^[0-9a-f-]+$/.test(row.job_id)) {
    throw new UnmappableJob(row.job_id, "its job id is not a molq job id");
  }
  const unmapped: Json = {};
  const request = parseObject(row.request_json, "request_json", unmapped);
  const metadata = stringValues(parseObject(row.metadata, "metadata", unmapped));
  const jobDir = metadata[META_JOB_DIR] ?? join(row.cwd, ".molq", "jobs", row.job_id);
  const execution = object(request.execution);
  const { command, display } = mapCommand(row, request, unmapped);
  const jobRequest: JobRequest = {
    command,
    workdir: text(execution.cwd) ?? row.cwd,
    env: stringValues(object(execution.env)),
    resources: mapResources(object(request.resources), object(request.scheduling), unmapped),
    scheduling: mapScheduling(object(request.scheduling), unmapped),
    dependencies: mapDependencies(request, context.dependencies, unmapped),
    metadata: stringValues(object(request.metadata)),
    extraArgs: [],
  };
  const name = text(execution.job_name);
  if (name !== undefined) jobRequest.name = name;
  const stdoutPath = text(execution.output_file);
  const stderrPath = text(execution.error_file);
  if (stdoutPath !== undefined) jobRequest.stdoutPath = stdoutPath;
  if (stderrPath !== undefined) jobRequest.stderrPath = stderrPath;
  const retry = mapRetry(request.retry, unmapped);
  if (retry !== undefined) jobRequest.retry = retry;
  keepUnknown(request, REQUEST_KEYS, "", unmapped);
  keepUnknown(execution, EXECUTION_KEYS, "execution.", unmapped);

  metadata[META_JOB_DIR] = jobDir;
  metadata[META_STDOUT] ??= stdoutPath ?? join(jobDir, "stdout.log");
  metadata[META_STDERR] ??= stderrPath ?? join(jobDir, "stderr.log");
  metadata[IMPORT_META.source] = context.source;
  metadata[IMPORT_META.cluster] = row.cluster_name;
  const profile = row.profile_name ?? text(request.profile_name);
  if (profile !== undefined && profile !== null) metadata[IMPORT_META.profile] = profile;
  const lineageId = row.root_job_id || row.job_id;
  if (row.retry_group_id && row.retry_group_id !== lineageId) {
    metadata[IMPORT_META.retryGroup] = row.retry_group_id;
  }
  if (row.cleaned_at !== null) metadata[IMPORT_META.cleanedAt] = iso(row.cleaned_at);

  const transitions = mapTransitions(row, context.transitions, unmapped);
  if (Object.keys(unmapped).length > 0) metadata[IMPORT_META.unmapped] = JSON.stringify(unmapped);
  const times = [row.submitted_at, row.started_at, row.finished_at, row.last_polled]
    .filter((t): t is number => t !== null).map(ms);
  const createdAt = transitions.length > 0
    ? Math.min(...transitions.map((t) => t.at))
    : Math.min(...times, Number.MAX_SAFE_INTEGER);
  const record: JobRecord = {
    jobId: row.job_id,
    cluster: context.cluster,
    scheduler: scheduler as SchedulerKind,
    schedulerJobId: row.scheduler_job_id,
    state: row.state,
    stateDetail: null,
    createdAt: createdAt === Number.MAX_SAFE_INTEGER ? 0 : createdAt,
    submittedAt: msOrNull(row.submitted_at),
    startedAt: msOrNull(row.started_at),
    finishedAt: msOrNull(row.finished_at),
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    failureReason: row.failure_reason,
    name: name ?? null,
    command,
    commandDisplay: display,
    cwd: row.cwd,
    jobDir,
    metadata,
    request: jobRequest,
    runLabel: null,
    attempt: Number(row.attempt ?? 1) || 1,
    lineageId,
    previousAttemptId: row.previous_attempt_job_id,
    arrayJobId: null,
    arrayTaskId: null,
    notBefore: null,
    lastPolled: msOrNull(row.last_polled),
    missingSince: null,
    missingPolls: 0,
    // The Python molq did not record hosts: judged like records from before molq did.
    host: null,
    bootId: null,
  };
  if (transitions.length === 0) {
    transitions.push({
      jobId: row.job_id,
      fromState: null,
      toState: row.state,
      at: record.createdAt,
      reason: "imported from the Python molq (it kept no history for this job)",
    });
  }
  return { record, transitions };
}

const REQUEST_KEYS = new Set([
  "argv",
  "command",
  "script",
  "resources",
  "scheduling",
  "execution",
  "retry",
  "metadata",
  "after",
  "after_success",
  "after_failure",
  "after_started",
  "profile_name",
]);
const EXECUTION_KEYS = new Set(["cwd", "env", "job_name", "output_file", "error_file"]);

function mapCommand(
  row: PythonJobRow,
  request: Json,
  unmapped: Json,
): { command: JobCommand; display: string } {
  const display = row.command_display;
  const argv = request.argv;
  if (
    row.command_type === "argv" && Array.isArray(argv) && argv.length > 0 &&
    argv.every((a) => typeof a === "string")
  ) {
    return { command: { type: "argv", argv: argv as string[] }, display };
  }
  if (row.command_type === "command" && typeof request.command === "string") {
    return { command: { type: "shell", command: request.command }, display };
  }
  if (row.command_type === "script") {
    const script = request.script;
    const path = typeof script === "string" ? script : text(object(script).path);
    const inline = typeof script === "string" ? undefined : text(object(script).text) ??
      text(object(script).content);
    if (path !== undefined && !path.includes("\n")) {
      return { command: { type: "script", path }, display };
    }
    if (inline !== undefined || path !== undefined) {
      return { command: { type: "inline", script: (inline ?? path)! }, display };
    }
  }
  // Nothing to rebuild the command from: run its display form, and keep what there was.
  unmapped.command_type = row.command_type;
  for (const key of ["argv", "command", "script"]) {
    if (request[key] !== undefined && request[key] !== null) unmapped[key] = request[key];
  }
  return { command: { type: "shell", command: display }, display };
}

/** Node count and exclusivity are resources in molq, scheduling fields in the Python molq. */
function mapResources(resources: Json, scheduling: Json, unmapped: Json): Resources {
  const out: Resources = {};
  const cpus = positiveInteger(resources.cpu_count);
  if (cpus !== undefined) out.cpus = cpus;
  const memory = resources.memory;
  if (memory !== undefined && memory !== null) {
    const bytes = convert(() => parseMemoryBytes(String(memory)));
    if (bytes !== undefined) out.memoryBytes = bytes;
    else unmapped["resources.memory"] = memory;
  }
  const time = resources.time_limit;
  if (time !== undefined && time !== null) {
    const seconds = convert(() => parseDurationSeconds(String(time)));
    if (seconds !== undefined) out.timeLimitSeconds = seconds;
    else unmapped["resources.time_limit"] = time;
  }
  const gpus = positiveInteger(resources.gpu_count);
  if (gpus !== undefined) out.gpus = gpus;
  const gpuType = text(resources.gpu_type);
  if (gpuType !== undefined) out.gpuType = gpuType;
  const nodes = positiveInteger(scheduling.node_count);
  if (nodes !== undefined) out.nodes = nodes;
  if (scheduling.exclusive_node === true) out.exclusive = true;
  keepUnknown(
    resources,
    new Set(["cpu_count", "memory", "time_limit", "gpu_count", "gpu_type"]),
    "resources.",
    unmapped,
  );
  return out;
}

function mapScheduling(scheduling: Json, unmapped: Json): Scheduling {
  const out: Scheduling = {};
  for (
    const [from, to] of [
      ["partition", "partition"],
      ["account", "account"],
      ["qos", "qos"],
      ["reservation", "reservation"],
      ["array_spec", "array"],
    ] as const
  ) {
    const value = text(scheduling[from]);
    if (value !== undefined) out[to] = value;
  }
  keepUnknown(
    scheduling,
    new Set([
      "partition",
      "account",
      "qos",
      "reservation",
      "array_spec",
      "exclusive_node",
      "node_count",
    ]),
    "scheduling.",
    unmapped,
  );
  return out;
}

function mapDependencies(
  request: Json,
  rows: readonly PythonDependencyRow[],
  unmapped: Json,
): Dependency[] {
  const seen = new Map<string, Dependency>();
  const add = (type: string, jobId: unknown) => {
    const kind = DEPENDENCY_KINDS[type];
    if (kind === undefined || typeof jobId !== "string") {
      const list = (unmapped.dependencies ??= []) as unknown[];
      list.push({ type, job_id: jobId });
      return;
    }
    seen.set(`${kind} ${jobId}`, { kind, jobId });
  };
  for (const row of rows) add(row.dependency_type, row.dependency_job_id);
  for (const type of Object.keys(DEPENDENCY_KINDS)) {
    const ids = request[type];
    if (Array.isArray(ids)) { for (const id of ids) add(type, id); }
  }
  return [...seen.values()];
}

function mapRetry(value: unknown, unmapped: Json): RetryPolicy | undefined {
  if (value === null || value === undefined) return undefined;
  const retry = object(value);
  const backoff = object(retry.backoff);
  const policy: RetryPolicy = {
    attempts: positiveInteger(retry.max_attempts) ?? 1,
    onExitCodes: Array.isArray(retry.retry_on_exit_codes)
      ? retry.retry_on_exit_codes.filter((c): c is number => Number.isInteger(c))
      : [],
    backoffSeconds: typeof backoff.initial_seconds === "number" ? backoff.initial_seconds : 30,
  };
  // molq doubles the delay each time and retries failed and timed-out jobs; anything else stays.
  const states = retry.retry_on_states;
  if (
    Array.isArray(states) &&
    [...states].sort().join() !== [...DEFAULT_RETRY_STATES].sort().join()
  ) {
    unmapped["retry.retry_on_states"] = states;
  }
  if (backoff.mode !== undefined && backoff.mode !== "exponential") {
    unmapped["retry.backoff.mode"] = backoff.mode;
  }
  if (backoff.factor !== undefined && backoff.factor !== 2) {
    unmapped["retry.backoff.factor"] = backoff.factor;
  }
  if (backoff.maximum_seconds !== undefined && backoff.maximum_seconds !== null) {
    unmapped["retry.backoff.maximum_seconds"] = backoff.maximum_seconds;
  }
  keepUnknown(
    retry,
    new Set(["max_attempts", "retry_on_exit_codes", "retry_on_states", "backoff"]),
    "retry.",
    unmapped,
  );
  return policy;
}

function mapTransitions(
  row: PythonJobRow,
  rows: readonly PythonTransitionRow[],
  unmapped: Json,
): StateTransition[] {
  const out: StateTransition[] = [];
  for (const t of rows) {
    const from = t.old_state;
    if (!isJobState(t.new_state) || (from !== null && !isJobState(from))) {
      const list = (unmapped.status_transitions ??= []) as unknown[];
      list.push({ old_state: from, new_state: t.new_state, timestamp: t.timestamp });
      continue;
    }
    out.push({
      jobId: row.job_id,
      fromState: from as JobState | null,
      toState: t.new_state,
      at: ms(t.timestamp),
      reason: t.reason,
    });
  }
  return out;
}
