/** Records for array tasks, created the first time the scheduler reports a task. */
import { META_STDERR, META_STDOUT } from "../core/job_record.ts";
import type { JobRecord } from "../core/job_record.ts";
import type { JobStore } from "../store/job_store.ts";
import type { ActiveJob } from "../store/job_views.ts";
import type { ArrayTaskObservation } from "../schedulers/scheduler.ts";
import { isTerminal } from "../core/job_state.ts";
import { recordUsage } from "../store/usage_rows.ts";
import { explainMemoryKill, withRecordFigures } from "./usage_figures.ts";

/** Inserts a record for every reported task of a tracked array that has none yet. */
export function recordArrayTasks(
  store: JobStore,
  tracked: readonly Pick<ActiveJob, "jobId" | "arrayJobId">[],
  tasks: readonly ArrayTaskObservation[],
  now: number,
): number {
  const arrays = new Set(tracked.filter((r) => r.arrayJobId === null).map((r) => r.jobId));
  const exists = store.prepare(
    "SELECT 1 FROM jobs WHERE array_job_id = ? AND array_task_id = ? LIMIT 1",
  );
  /** The arrays' whole records, read once each and only when a task is new. */
  const records = new Map<string, JobRecord | undefined>();
  let created = 0;
  for (const task of tasks) {
    if (!arrays.has(task.arrayJobId)) continue;
    if (exists.get(task.arrayJobId, task.taskId) !== undefined) continue;
    if (!records.has(task.arrayJobId)) records.set(task.arrayJobId, store.get(task.arrayJobId));
    const array = records.get(task.arrayJobId);
    if (!array) continue;
    const record = taskRecord(array, task, now);
    store.insert(record, "array task reported by the scheduler");
    if (task.observation.usage && isTerminal(record.state)) {
      const usage = withRecordFigures(task.observation.usage, record);
      recordUsage(store, record.jobId, usage, { settled: true, now });
      explainMemoryKill(store, record, usage);
    }
    created++;
  }
  return created;
}

function taskRecord(array: JobRecord, task: ArrayTaskObservation, now: number): JobRecord {
  const observed = task.observation;
  const metadata = { ...array.metadata };
  if (task.stdoutPath) metadata[META_STDOUT] = task.stdoutPath;
  if (task.stderrPath) metadata[META_STDERR] = task.stderrPath;
  const terminal = isTerminal(observed.state);
  // Never a start before the array was handed over (a compute node's clock may lag), nor
  // an end before the start.
  const startedAt = observed.startedAt == null
    ? null
    : Math.max(observed.startedAt, array.submittedAt ?? -Infinity);
  const jobId = crypto.randomUUID();
  return {
    ...array,
    jobId,
    schedulerJobId: task.schedulerJobId,
    state: observed.state,
    stateDetail: observed.detail ?? null,
    createdAt: now,
    startedAt,
    finishedAt: terminal ? Math.max(observed.finishedAt ?? now, startedAt ?? -Infinity) : null,
    exitCode: observed.exitCode ?? null,
    failureReason: observed.failureReason ?? null,
    name: array.name === null ? null : `${array.name}[${task.taskId}]`,
    metadata,
    arrayJobId: array.jobId,
    arrayTaskId: task.taskId,
    // A task is its own lineage: retries and waits follow the array's record, not its tasks.
    lineageId: jobId,
    attempt: 1,
    previousAttemptId: null,
    request: { ...array.request, retry: undefined },
    notBefore: null,
    lastPolled: now,
    missingSince: null,
    missingPolls: 0,
    // A local array's tasks run where it runs (batch arrays have no host).
    host: array.host,
    bootId: array.bootId,
  };
}
