/**
 * Job arrays on the local backend: submit writes the task wrapper (`job.sh`), the task list
 * and the launcher (`array.sh`) into the job directory and starts the launcher detached;
 * a pass observes every task from the batched snapshot and restarts a launcher that was
 * killed while tasks still waited; cancel stops the launcher and signals the tasks.
 * Everything goes through the cluster's Runner, so arrays run remotely too.
 */
import type { JobRequest } from "../core/job_request.ts";
import type { Runner } from "../process/runner.ts";
import type { ArrayTaskObservation, Observation, SubmitContext, TrackedJob } from "./scheduler.ts";
import type { JobFilesSnapshot } from "./job_files_snapshot.ts";
import {
  ARRAY_LAUNCHER,
  ARRAY_TASKS,
  JOB_SCRIPT,
  jobFile,
  LAUNCHER_RESTARTS,
  LOCAL_ARRAY_FILE,
} from "./job_files.ts";
import { renderJobScript } from "./job_script.ts";
import { keptEnvironment } from "./submit_environment.ts";
import { parseArraySpec } from "./array_spec.ts";
import { renderArrayLauncher, TASK_ID_VARIABLE } from "./local_array_launcher.ts";
import { type LocalArrayInfo, observeLocalArray } from "./local_array_observe.ts";

/** The environment every task gets besides MOLQ_ARRAY_TASK_ID (SLURM's names, molq's prefix). */
export function arrayEnvironment(
  jobId: string,
  taskIds: readonly string[],
): Record<string, string> {
  const numbers = taskIds.map(Number);
  return {
    MOLQ_ARRAY_JOB_ID: jobId,
    MOLQ_ARRAY_TASK_COUNT: String(taskIds.length),
    MOLQ_ARRAY_TASK_MIN: String(Math.min(...numbers)),
    MOLQ_ARRAY_TASK_MAX: String(Math.max(...numbers)),
  };
}

/** Writes the array's files and starts its launcher; returns the launcher's start. */
export async function submitLocalArray(
  runner: Runner,
  context: SubmitContext,
  killGraceSeconds: number,
) {
  const request: JobRequest = context.request;
  const spec = parseArraySpec(request.scheduling.array!);
  const dir = context.jobDir;
  const wrapper = renderJobScript({
    jobId: context.jobId,
    jobDir: dir,
    workdir: request.workdir,
    command: request.command,
    env: { ...request.env, ...arrayEnvironment(context.jobId, spec.taskIds) },
    redirect: { stdoutPath: context.stdoutPath, stderrPath: context.stderrPath },
    arrayTaskVariable: TASK_ID_VARIABLE,
    supervise: {
      timeLimitSeconds: request.resources.timeLimitSeconds ?? null,
      killGraceSeconds,
    },
  });
  const info: LocalArrayInfo = { stdoutPath: context.stdoutPath, stderrPath: context.stderrPath };
  await runner.writeFile(jobFile(dir, JOB_SCRIPT), wrapper, 0o700);
  await runner.writeFile(jobFile(dir, ARRAY_TASKS), spec.taskIds.join("\n") + "\n", 0o600);
  await runner.writeFile(jobFile(dir, LOCAL_ARRAY_FILE), JSON.stringify(info) + "\n", 0o600);
  const launcher = renderArrayLauncher({
    jobId: context.jobId,
    jobDir: dir,
    throttle: spec.throttle,
  });
  await runner.writeFile(jobFile(dir, ARRAY_LAUNCHER), launcher, 0o700);
  return await runner.startDetached(jobFile(dir, ARRAY_LAUNCHER), dir, context.environment);
}

/** A tracked local array's own record (not one of its tasks). */
export function isLocalArray(job: TrackedJob): boolean {
  return job.arrayTaskId === null && (job.array ?? null) !== null;
}

export interface ArraysReport {
  observations: Map<string, Observation>;
  newArrayTasks: ArrayTaskObservation[];
  elsewhere: Set<string>;
  /** Arrays whose launcher must be started again, with the restarts so far. */
  restarts: { job: TrackedJob; restarts: number }[];
}

/** Observes the tracked arrays and tasks (`jobs` holds only those) from one snapshot. */
export function observeLocalArrays(
  jobs: readonly TrackedJob[],
  snapshot: JobFilesSnapshot,
): ArraysReport {
  const report: ArraysReport = {
    observations: new Map(),
    newArrayTasks: [],
    elsewhere: new Set(),
    restarts: [],
  };
  const tasksByDir = new Map<string, TrackedJob[]>();
  for (const job of jobs.filter((job) => job.arrayTaskId !== null)) {
    tasksByDir.set(job.jobDir, [...(tasksByDir.get(job.jobDir) ?? []), job]);
  }
  const groups: [TrackedJob, string[], TrackedJob[]][] = [];
  for (const array of jobs.filter(isLocalArray)) {
    const tasks = tasksByDir.get(array.jobDir) ?? [];
    tasksByDir.delete(array.jobDir);
    groups.push([array, parseArraySpec(array.array!).taskIds, tasks]);
  }
  // Tasks whose array is no longer tracked: judged on their own, nothing restarted.
  for (const tasks of tasksByDir.values()) {
    groups.push([tasks[0]!, tasks.map((task) => task.arrayTaskId!), tasks]);
  }
  for (const [array, taskIds, tasks] of groups) {
    const view = observeLocalArray(array, taskIds, tasks, snapshot);
    if (view === "elsewhere") {
      for (const job of [array, ...tasks]) report.elsewhere.add(job.jobId);
      continue;
    }
    for (const [jobId, observation] of view.observations) {
      report.observations.set(jobId, observation);
    }
    report.newArrayTasks.push(...view.newTasks);
    if (view.restart) report.restarts.push({ job: array, restarts: view.restarts });
  }
  return report;
}

/**
 * Starts a killed launcher again; it starts only tasks that never claimed themselves and
 * counts the ones still running. The restart is counted first, so a launcher that keeps
 * dying is given up on (its waiting tasks then fail, saying so).
 */
export async function restartLauncher(
  runner: Runner,
  array: TrackedJob,
  restarts: number,
): Promise<void> {
  const dir = array.jobDir;
  await runner.writeFile(jobFile(dir, LAUNCHER_RESTARTS), `${restarts + 1}\n`, 0o600);
  // The tasks it starts get the submitter's environment, not this process's.
  const env = runner.remote ? undefined : keptEnvironment(dir);
  await runner.startDetached(jobFile(dir, ARRAY_LAUNCHER), dir, env);
}
