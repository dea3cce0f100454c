/**
 * Turns what qstat, the jobs' own files and qacct say into observations, in this order:
 * qstat while it lists a job (it lists only active ones); then the exit code or cancel
 * marker the job's directory holds; then accounting, asked only for jobs that need it.
 * A job none of them knows yet gets no observation: accounting lags behind qstat, so the
 * reconciler waits (SPEC 8.4's grace) before it calls the job lost. Array tasks are
 * reported for their tracked arrays, every task at once, so an array's derived state
 * never runs ahead of tasks molq has not seen yet.
 */
import type { ArrayTaskObservation, Observation, TrackedJob } from "./scheduler.ts";
import type { JobFilesSnapshot } from "./job_files_snapshot.ts";
import { observeEvidence } from "./evidence_observation.ts";
import { expandTaskList, type QstatEntry } from "./sge_parse.ts";
import type { QacctRecord } from "./sge_qacct.ts";
import { observeAccounting, observeQstatEntry } from "./sge_states.ts";
import { sgeArrayTaskIds, sgeTaskLogPath } from "./sge_script.ts";
import { isTerminal } from "../core/job_state.ts";

/** Written by submit beside an array's script, so that tasks' logs can be named later. */
export const SGE_ARRAY_FILE = "sge_array.json";

export interface SgeArrayLogs {
  stdoutPath: string;
  stderrPath: string;
}

/** The key of a job (`12`) or of one array task (`12.3`). */
export function sgeKey(jobNumber: string, taskId: string | null): string {
  return taskId === null ? jobNumber : `${jobNumber}.${taskId}`;
}

/** `12` → { 12, null }; `12.3` → { 12, 3 }. */
export function splitSgeId(schedulerJobId: string): { jobNumber: string; taskId: string | null } {
  const [jobNumber, taskId] = schedulerJobId.split(".", 2);
  return { jobNumber: jobNumber!, taskId: taskId ?? null };
}

/** qstat entries by job and by task, pending ranges expanded. */
export class QueueIndex {
  readonly byKey = new Map<string, QstatEntry>();
  readonly tasks = new Map<string, Map<string, QstatEntry>>();
  /** Job numbers whose pending range was too large to expand. */
  readonly collapsed = new Set<string>();

  constructor(entries: readonly QstatEntry[]) {
    for (const entry of entries) {
      if (entry.tasks === null) {
        this.byKey.set(entry.jobNumber, entry);
        continue;
      }
      const ids = expandTaskList(entry.tasks);
      if (ids === null) {
        this.collapsed.add(entry.jobNumber);
        this.byKey.set(entry.jobNumber, entry);
        continue;
      }
      const tasks = this.tasks.get(entry.jobNumber) ?? new Map<string, QstatEntry>();
      this.tasks.set(entry.jobNumber, tasks);
      for (const id of ids) {
        tasks.set(id, entry);
        this.byKey.set(sgeKey(entry.jobNumber, id), entry);
      }
    }
  }

  /** The entry of a job or task; a plain job's id finds its first task entry too. */
  get(jobNumber: string, taskId: string | null): QstatEntry | undefined {
    const exact = this.byKey.get(sgeKey(jobNumber, taskId));
    if (exact || taskId !== null) return exact;
    const tasks = this.tasks.get(jobNumber);
    return tasks && mostActive([...tasks.values()]);
  }
}

/** Accounting records by job (`12`) and task (`12.3`); the latest record wins. */
export class AccountingIndex {
  readonly byKey = new Map<string, QacctRecord>();

  add(records: readonly QacctRecord[]): void {
    for (const record of records) this.byKey.set(sgeKey(record.jobNumber, record.taskId), record);
  }

  get(jobNumber: string, taskId: string | null): QacctRecord | undefined {
    return this.byKey.get(sgeKey(jobNumber, taskId));
  }
}

export interface SgeObserveInput {
  queue: QueueIndex;
  files: JobFilesSnapshot;
  /** qstat -j's error reasons, by job number and task. */
  errors: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** null: not asked yet; jobs that need it are listed in `askAccounting`. */
  accounting: AccountingIndex | null;
}

export interface SgeObserveResult {
  observations: Map<string, Observation>;
  newArrayTasks: ArrayTaskObservation[];
  /** Tracked jobs that only accounting can settle. */
  askAccounting: TrackedJob[];
}

export function observeSgeJobs(
  jobs: readonly TrackedJob[],
  input: SgeObserveInput,
): SgeObserveResult {
  const result: SgeObserveResult = {
    observations: new Map(),
    newArrayTasks: [],
    askAccounting: [],
  };
  for (const job of jobs) {
    const observation = job.array && job.arrayTaskId === null
      ? observeArray(job, job.array, input, result.newArrayTasks)
      : observeOne(job, input, () => result.askAccounting.push(job));
    if (observation) result.observations.set(job.jobId, observation);
  }
  return result;
}

/** Which job directories the evidence step must read: jobs qstat does not list, and arrays. */
export function needsJobFiles(job: TrackedJob, queue: QueueIndex): boolean {
  if (job.array && job.arrayTaskId === null) return true;
  const { jobNumber, taskId } = splitSgeId(job.schedulerJobId);
  return queue.get(jobNumber, job.arrayTaskId ?? taskId) === undefined;
}

function observeOne(job: TrackedJob, input: SgeObserveInput, ask: () => void): Observation | null {
  const { jobNumber, taskId: idTask } = splitSgeId(job.schedulerJobId);
  const taskId = job.arrayTaskId ?? idTask;
  const entry = input.queue.get(jobNumber, taskId);
  if (entry) {
    return keepRunning(observeQstatEntry(entry, errorReason(input, jobNumber, taskId)), job);
  }
  const evidence = input.files.evidence(job.jobDir, taskId);
  if (evidence.exitCode !== undefined || evidence.cancelled) {
    return observeEvidence("Grid Engine", evidence);
  }
  if (input.accounting === null) {
    ask();
    return null;
  }
  const record = input.accounting.get(jobNumber, taskId);
  if (!record) return null;
  return observeAccounting(record, {
    cancelRequested: evidence.cancelled,
    timeLimitSeconds: job.timeLimitSeconds,
  });
}

function observeArray(
  job: TrackedJob,
  spec: string,
  input: SgeObserveInput,
  newTasks: ArrayTaskObservation[],
): Observation | null {
  const jobNumber = splitSgeId(job.schedulerJobId).jobNumber;
  const queued = input.queue.tasks.get(jobNumber) ?? new Map<string, QstatEntry>();
  const expected = input.queue.collapsed.has(jobNumber) ? null : expectedTasks(spec);
  const logs = readArrayLogs(input.files, job.jobDir);
  const ids = expected ??
    [...new Set([...queued.keys(), ...input.files.taskIds(job.jobDir)])];
  const tasks = new Map<string, Observation>();
  for (const taskId of ids) {
    const entry = queued.get(taskId);
    const evidence = input.files.evidence(job.jobDir, taskId);
    const observation = entry
      ? observeQstatEntry(entry, errorReason(input, jobNumber, taskId))
      : evidence.exitCode !== undefined || evidence.cancelled
      ? observeEvidence("Grid Engine", evidence)
      // Not listed and no evidence yet: its own record settles it from the next pass on
      // (accounting, or lost after the grace), and until then it holds the array open.
      : expected
      ? { state: "submitted" as const, detail: "not listed by qstat; waiting for accounting" }
      : null;
    if (!observation) continue;
    tasks.set(taskId, observation);
    const task: ArrayTaskObservation = {
      arrayJobId: job.jobId,
      taskId,
      schedulerJobId: sgeKey(jobNumber, taskId),
      observation,
    };
    if (logs) {
      task.stdoutPath = sgeTaskLogPath(logs.stdoutPath, taskId);
      task.stderrPath = sgeTaskLogPath(logs.stderrPath, taskId);
    }
    newTasks.push(task);
  }
  if (tasks.size === 0) {
    const own = input.queue.get(jobNumber, null);
    return own ? observeQstatEntry(own, errorReason(input, jobNumber, null)) : null;
  }
  const states = [...tasks.values()].map((observation) => observation.state);
  if (states.every((state) => state === "queued" || state === "submitted")) {
    return { state: "queued", detail: [...tasks.values()][0]?.detail ?? null };
  }
  const finished = states.filter(isTerminal).length;
  return { state: "running", detail: `${finished} of ${tasks.size} array tasks finished` };
}

/**
 * States only move forward: a job that started and now waits again (Eqw after a failed
 * start, Rq after a reschedule) stays `running` to molq, with Grid Engine's reason shown.
 */
function keepRunning(observation: Observation, job: TrackedJob): Observation {
  const waits = observation.state === "queued" || observation.state === "submitted";
  return job.state === "running" && waits ? { ...observation, state: "running" } : observation;
}

function expectedTasks(spec: string): string[] | null {
  try {
    return sgeArrayTaskIds(spec);
  } catch {
    return null; // not a Grid Engine spec (a record from elsewhere): go by what is seen
  }
}

function errorReason(input: SgeObserveInput, jobNumber: string, taskId: string | null) {
  const reasons = input.errors.get(jobNumber);
  return reasons?.get(taskId ?? "1") ?? reasons?.values().next().value ?? null;
}

function mostActive(entries: QstatEntry[]): QstatEntry | undefined {
  return entries.find((e) => !/[qw]/.test(e.state)) ?? entries[0];
}

function readArrayLogs(files: JobFilesSnapshot, jobDir: string): SgeArrayLogs | null {
  try {
    const parsed = JSON.parse(files.text(jobDir, SGE_ARRAY_FILE) ?? "null");
    return typeof parsed?.stdoutPath === "string" && typeof parsed?.stderrPath === "string"
      ? parsed as SgeArrayLogs
      : null;
  } catch {
    return null;
  }
}
