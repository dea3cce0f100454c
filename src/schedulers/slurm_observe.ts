/**
 * Turns what squeue, sacct and the jobs' own files say into observations, in priority
 * order: the queue (authoritative while it knows a job), then accounting (final states
 * only; a non-final accounting row for a job the queue forgot is stale), then the
 * exit-code file the job wrote. Array tasks are collected for their tracked parents.
 */
import type { ArrayTaskObservation, Observation, TrackedJob } from "./scheduler.ts";
import { EXIT_CODE } from "./job_files.ts";
import type { JobFilesSnapshot } from "./job_files_snapshot.ts";
import { expandTaskRange, type SlurmJobRow } from "./slurm_parse.ts";
import {
  needsExitCode,
  observeJobEvidence,
  observeSlurmRow,
  slurmState,
  withExitCode,
} from "./slurm_states.ts";
import { arrayTaskLogPath } from "./slurm_script.ts";
import { isTerminal } from "../core/job_state.ts";

/** What `submit` keeps beside an array's script, so tasks' logs can be named later. */
export interface ArrayLogPaths {
  stdoutPath: string;
  stderrPath: string;
  array: string;
}

export const ARRAY_LOGS_FILE = "slurm_array.json";

/** SLURM rows by id (`12`, `8_2`) and by array; collapsed ranges are expanded into tasks. */
export class RowIndex {
  readonly byId = new Map<string, SlurmJobRow>();
  readonly tasks = new Map<string, Map<string, SlurmJobRow>>();
  /** Collapsed rows too large to expand, by array id. */
  readonly collapsed = new Map<string, SlurmJobRow>();

  add(rows: readonly SlurmJobRow[]): void {
    for (const row of rows) {
      if (row.arrayJobId === null || row.arrayTask === null) {
        this.byId.set(row.id, row);
        continue;
      }
      const base = row.arrayJobId;
      const taskIds = row.arrayTask.startsWith("[")
        ? expandTaskRange(row.arrayTask)
        : [row.arrayTask];
      if (taskIds === null) {
        this.collapsed.set(base, row);
        continue;
      }
      const tasks = this.tasks.get(base) ?? new Map<string, SlurmJobRow>();
      this.tasks.set(base, tasks);
      for (const task of taskIds) {
        const taskRow = { ...row, id: `${base}_${task}`, arrayTask: task };
        this.byId.set(taskRow.id, taskRow);
        tasks.set(task, taskRow);
      }
    }
  }
}

export interface ObserveResult {
  observations: Map<string, Observation>;
  newArrayTasks: ArrayTaskObservation[];
  /** molq job ids that need accounting before their observation can be trusted. */
  askAccounting: string[];
}

/**
 * Observes every job from the queue and, when given, accounting. Without accounting
 * (`null`: not asked yet) jobs that need it are listed in `askAccounting` instead.
 */
export function observeJobs(
  jobs: readonly TrackedJob[],
  queue: RowIndex,
  accounting: RowIndex | null,
  files: JobFilesSnapshot,
): ObserveResult {
  const result: ObserveResult = { observations: new Map(), newArrayTasks: [], askAccounting: [] };
  for (const job of jobs) {
    const info = job.arrayTaskId === null && job.array !== null
      ? readArrayLogPaths(files, job.jobDir)
      : null;
    const id = job.schedulerJobId;
    const isArray = info !== null || queue.tasks.has(id) || queue.collapsed.has(id) ||
      (accounting?.tasks.has(id) ?? false);
    const seen = isArray && job.arrayTaskId === null
      ? observeArray(job, info, queue, accounting, files, result.newArrayTasks)
      : observeSingle(job, queue, accounting, files);
    if (seen.ask) result.askAccounting.push(job.jobId);
    if (seen.observation) result.observations.set(job.jobId, seen.observation);
  }
  return result;
}

interface Seen {
  observation: Observation | null;
  ask: boolean;
}

function observeSingle(
  job: TrackedJob,
  queue: RowIndex,
  accounting: RowIndex | null,
  files: JobFilesSnapshot,
): Seen {
  const id = job.schedulerJobId;
  const row = queue.byId.get(id);
  if (row) {
    const observation = observeSlurmRow(row, job.state);
    if (!needsExitCode(row)) return { observation, ask: false };
    const exitCode = files.evidence(job.jobDir, job.arrayTaskId).exitCode;
    if (exitCode !== undefined) {
      return { observation: withExitCode(observation, exitCode), ask: false };
    }
    if (accounting === null) return { observation, ask: true };
    const final = finalRow(accounting.byId.get(id));
    return { observation: final ? observeSlurmRow(final, job.state) : observation, ask: false };
  }
  if (accounting === null) return { observation: null, ask: true };
  const final = finalRow(accounting.byId.get(id));
  if (final) return { observation: observeSlurmRow(final, job.state), ask: false };
  return {
    observation: observeJobEvidence(files.evidence(job.jobDir, job.arrayTaskId)),
    ask: false,
  };
}

function observeArray(
  job: TrackedJob,
  info: ArrayLogPaths | null,
  queue: RowIndex,
  accounting: RowIndex | null,
  files: JobFilesSnapshot,
  newTasks: ArrayTaskObservation[],
): Seen {
  const base = job.schedulerJobId;
  const queued = queue.tasks.get(base) ?? new Map<string, SlurmJobRow>();
  const expected = info ? expandTaskRange(`[${info.array.replace(/%\d+$/, "")}]`) : null;
  const tasks = new Map<string, Observation>();
  let ask = expected ? expected.some((task) => !queued.has(task)) : queued.size === 0;
  for (const [task, row] of queued) {
    const seen = observeSingle(
      { ...job, schedulerJobId: row.id, arrayTaskId: task, state: "submitted" },
      queue,
      accounting,
      files,
    );
    ask ||= seen.ask;
    if (seen.observation) tasks.set(task, seen.observation);
  }
  if (accounting !== null) {
    for (const [task, row] of accounting.tasks.get(base) ?? []) {
      const final = finalRow(row);
      if (!tasks.has(task) && final) tasks.set(task, observeSlurmRow(final, "submitted"));
    }
    for (const task of expected ?? tasksWithExitCodes(files, job.jobDir)) {
      if (tasks.has(task)) continue;
      const observation = observeJobEvidence(files.evidence(job.jobDir, task));
      if (observation) tasks.set(task, observation);
    }
  }
  for (const [taskId, observation] of tasks) {
    const task: ArrayTaskObservation = {
      arrayJobId: job.jobId,
      taskId,
      schedulerJobId: `${base}_${taskId}`,
      observation,
    };
    if (info) {
      task.stdoutPath = arrayTaskLogPath(info.stdoutPath, base, taskId);
      task.stderrPath = arrayTaskLogPath(info.stderrPath, base, taskId);
    }
    newTasks.push(task);
  }
  return {
    observation: arrayObservation(job, tasks, queue, accounting),
    ask: accounting === null && ask,
  };
}

/**
 * The array record's own observation. Once it has tasks the reconciler derives its state
 * from theirs, so this is never final: queued while every task waits, else running.
 */
function arrayObservation(
  job: TrackedJob,
  tasks: Map<string, Observation>,
  queue: RowIndex,
  accounting: RowIndex | null,
): Observation | null {
  if (tasks.size === 0) {
    // An array that never split into tasks (e.g. cancelled while pending) is one row:
    // `8_[0-3]` in squeue, plain `8` in sacct.
    const id = job.schedulerJobId;
    const own = queue.collapsed.get(id) ?? queue.byId.get(id) ??
      finalRow(accounting?.collapsed.get(id) ?? accounting?.byId.get(id));
    return own ? observeSlurmRow(own, job.state) : null;
  }
  const states = [...tasks.values()].map((observation) => observation.state);
  if (states.every((state) => state === "queued" || state === "submitted")) {
    return { state: "queued", detail: [...tasks.values()][0]?.detail ?? null };
  }
  const finished = states.filter(isTerminal).length;
  return { state: "running", detail: `${finished} of ${tasks.size} array tasks finished` };
}

function finalRow(row: SlurmJobRow | undefined): SlurmJobRow | undefined {
  const outcome = row && slurmState(row.state)?.outcome;
  return outcome && outcome !== "keep" && isTerminal(outcome) ? row : undefined;
}

function readArrayLogPaths(files: JobFilesSnapshot, jobDir: string): ArrayLogPaths | null {
  try {
    const parsed = JSON.parse(files.text(jobDir, ARRAY_LOGS_FILE) ?? "null");
    return typeof parsed?.stdoutPath === "string" && typeof parsed?.stderrPath === "string" &&
        typeof parsed?.array === "string"
      ? parsed as ArrayLogPaths
      : null;
  } catch {
    return null;
  }
}

/** Task indexes with an exit-code file (`exit_code.2`), for arrays nobody else remembers. */
function tasksWithExitCodes(files: JobFilesSnapshot, jobDir: string): string[] {
  return files.taskIds(jobDir).filter((task) =>
    files.text(jobDir, `${EXIT_CODE}.${task}`) !== undefined
  );
}
