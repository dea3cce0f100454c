/**
 * What one snapshot says about a local array and each of its tasks: a task's own files
 * (`scheduler_id.<task>` once it claimed itself, `started_at.<task>`, `exit_code.<task>`,
 * markers) and what the array's host says of its launcher's and tasks' processes. Pure: the caller gathers the snapshot
 * and restarts a launcher that this says is gone while tasks still wait.
 */
import { isTerminal } from "../core/job_state.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import type { ArrayTaskObservation, Observation, TrackedJob } from "./scheduler.ts";
import type { JobFilesSnapshot } from "./job_files_snapshot.ts";
import {
  type JobEvidence,
  LAUNCHER_LOG,
  LAUNCHER_RESTARTS,
  LOCAL_ARRAY_FILE,
  SCHEDULER_ID,
} from "./job_files.ts";
import { describeExit } from "./exit_status.ts";
import { insertBeforeExtension } from "./directive_text.ts";

/** A launcher that died this often is not started again; its waiting tasks fail. */
export const MAX_LAUNCHER_RESTARTS = 3;

/** What `submit` keeps beside a local array's scripts: its logs' paths, before the index. */
export interface LocalArrayInfo {
  stdoutPath: string;
  stderrPath: string;
}

export interface ArrayView {
  /** By molq job id: the array's own record and its tracked tasks. */
  observations: Map<string, Observation>;
  /** Every task without a tracked record, to be recorded if it has none yet. */
  newTasks: ArrayTaskObservation[];
  /** The launcher is gone while tasks wait: start it again (the restart is counted). */
  restart: boolean;
  restarts: number;
}

/** A task's log: the array's path with the task index before the extension. */
export function taskLogPath(path: string, taskId: string): string {
  return insertBeforeExtension(path, taskId);
}

/**
 * Observes a local array: `array` is its own record (or, for tasks whose array is no
 * longer tracked, one of those tasks standing in for it: then nothing is restarted),
 * `taskIds` every task it has, `tasks` the tracked task records. "elsewhere" when the
 * array runs on another host: only that host may judge it.
 */
export function observeLocalArray(
  array: TrackedJob,
  taskIds: readonly string[],
  tasks: readonly TrackedJob[],
  snapshot: JobFilesSnapshot,
  now = Date.now(),
): ArrayView | "elsewhere" {
  const dir = array.jobDir;
  const here = snapshot.host;
  const own = snapshot.evidence(dir);
  const owner = array.host ?? own.host ?? null;
  if (owner && owner.hostname !== here.hostname) return "elsewhere";
  const processes = snapshot.processes!;
  const launcherAlive = [array.schedulerJobId.split("_")[0], snapshot.text(dir, SCHEDULER_ID)]
    .some((pid) => processes.runsIn(Number(pid), dir));
  const rebooted = owner?.bootId != null && here.bootId !== null && owner.bootId !== here.bootId;
  const restarts = Number(snapshot.text(dir, LAUNCHER_RESTARTS) ?? 0) || 0;
  const unstarted = (task: string) => snapshot.text(dir, `${SCHEDULER_ID}.${task}`) === undefined;
  const waiting = taskIds.some((task) =>
    unstarted(task) && !snapshot.evidence(dir, task).cancelled
  );
  const restart = waiting && !launcherAlive && !rebooted && !own.cancelled &&
    array.arrayTaskId === null && restarts < MAX_LAUNCHER_RESTARTS;
  const context: TaskContext = {
    dir,
    here,
    rebooted,
    launcherAlive: launcherAlive || restart,
    restarts,
    waitingDetail: restart ? "waiting; the array's launcher was restarted" : "waiting for a slot",
    timeLimit: array.timeLimitSeconds === null ? "its" : `its ${array.timeLimitSeconds} s`,
    now,
  };
  const view: ArrayView = { observations: new Map(), newTasks: [], restart, restarts };
  const tracked = new Map(tasks.map((task) => [task.arrayTaskId!, task]));
  const info = readInfo(snapshot, dir);
  const seen: Observation[] = [];
  for (const taskId of taskIds) {
    const pid = snapshot.text(dir, `${SCHEDULER_ID}.${taskId}`);
    const record = tracked.get(taskId);
    const evidence = snapshot.evidence(dir, taskId);
    const observation = observeTask(taskId, evidence, pid, record?.state, snapshot, context);
    seen.push(observation);
    if (record) {
      view.observations.set(record.jobId, observation);
      continue;
    }
    const task: ArrayTaskObservation = {
      arrayJobId: array.jobId,
      taskId,
      schedulerJobId: `${array.schedulerJobId}_${taskId}`,
      observation,
    };
    if (info) {
      task.stdoutPath = taskLogPath(info.stdoutPath, taskId);
      task.stderrPath = taskLogPath(info.stderrPath, taskId);
    }
    view.newTasks.push(task);
  }
  if (array.arrayTaskId === null) view.observations.set(array.jobId, arrayObservation(seen));
  return view;
}

interface TaskContext {
  dir: string;
  here: HostIdentity;
  rebooted: boolean;
  /** A launcher runs (or is being restarted) to start the tasks that wait. */
  launcherAlive: boolean;
  restarts: number;
  waitingDetail: string;
  /** "its 30 s", for the time-out message. */
  timeLimit: string;
  now: number;
}

/**
 * One task. The process table is read before the files, so a task that claimed itself in
 * between has a pid file but no process in the table: it is taken to be starting, and
 * only a task already seen running (`recorded`) is judged gone without an exit code.
 */
function observeTask(
  taskId: string,
  evidence: JobEvidence,
  pidText: string | undefined,
  recorded: TrackedJob["state"] | undefined,
  snapshot: JobFilesSnapshot,
  context: TaskContext,
): Observation {
  const startedAt = evidence.startedAt ?? null;
  const finishedAt = evidence.finishedAt ?? context.now;
  const ended = (state: Observation["state"], failureReason: string | null): Observation => ({
    state,
    exitCode: evidence.exitCode ?? null,
    startedAt,
    finishedAt,
    failureReason,
  });
  const pid = Number(pidText);
  const processes = snapshot.processes!;
  const wrapperAlive = pidText !== undefined && processes.runsIn(pid, context.dir);
  const groupAlive = pidText !== undefined && pid > 1 && processes.groupAlive(pid);
  if (evidence.exitCode !== undefined || (evidence.timedOut && !groupAlive)) {
    const code = evidence.exitCode;
    if (evidence.cancelled && code !== 0) return ended("cancelled", "Cancelled.");
    if (evidence.timedOut) {
      return ended("timed_out", `Killed after exceeding ${context.timeLimit} time limit.`);
    }
    if (code === 0) return ended("succeeded", null);
    return ended("failed", describeExit(code!));
  }
  if (pidText !== undefined) {
    if (context.rebooted) {
      return ended(
        evidence.cancelled ? "cancelled" : "failed",
        `The host ${context.here.hostname} was restarted while task ${taskId} ran, so it ended without an exit code.`,
      );
    }
    if (wrapperAlive || groupAlive) {
      return {
        state: "running",
        startedAt,
        detail: wrapperAlive ? null : "wrapper gone; task processes still running",
      };
    }
    if (evidence.cancelled) return ended("cancelled", "Cancelled.");
    if (recorded !== "running") return { state: "running", startedAt, detail: "starting" };
    return ended(
      "failed",
      `Task ${taskId}'s wrapper (pid ${
        pidText || "unknown"
      }) ended without recording an exit code; it was probably killed.`,
    );
  }
  if (evidence.cancelled) return ended("cancelled", "Cancelled before it started.");
  if (context.rebooted) {
    return ended(
      "failed",
      `The host ${context.here.hostname} was restarted before task ${taskId} started.`,
    );
  }
  if (context.launcherAlive) return { state: "queued", detail: context.waitingDetail };
  const times = context.restarts === 1 ? "once" : `${context.restarts} times`;
  return ended(
    "failed",
    `Task ${taskId} never started: the array's launcher ended before starting it and was restarted ${times} (see ${LAUNCHER_LOG}).`,
  );
}

/**
 * The array record's own observation, used until its tasks have records (then the
 * reconciler derives its state from theirs): queued while every task waits, else running.
 */
function arrayObservation(tasks: readonly Observation[]): Observation {
  if (tasks.every((task) => task.state === "queued")) {
    return { state: "queued", detail: tasks[0]?.detail ?? null };
  }
  const finished = tasks.filter((task) => isTerminal(task.state)).length;
  return { state: "running", detail: `${finished} of ${tasks.length} array tasks finished` };
}

function readInfo(snapshot: JobFilesSnapshot, dir: string): LocalArrayInfo | null {
  try {
    const parsed = JSON.parse(snapshot.text(dir, LOCAL_ARRAY_FILE) ?? "null");
    return typeof parsed?.stdoutPath === "string" && typeof parsed?.stderrPath === "string"
      ? parsed as LocalArrayInfo
      : null;
  } catch {
    return null;
  }
}
