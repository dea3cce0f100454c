/**
 * Cancelling a job: look at it first (a job that ended since the last pass keeps its
 * result: a local pass, or a batch job's own exit code file, which costs no scheduler a
 * query), ask the scheduler, then record `cancelled` with compare-and-set.
 */
import { MolqError } from "../core/errors.ts";
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import type { JobStore } from "../store/job_store.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import type { Cluster } from "./cluster.ts";
import { toTracked } from "../reconcile/to_tracked.ts";
import { activeJobOf } from "../store/job_views.ts";
import { gatherJobFiles } from "../schedulers/job_files_snapshot.ts";

export interface CancelOptions {
  /**
   * A local job started on another host (one that is gone for good) is recorded cancelled
   * without a signal, instead of refused: only its own host could signal it.
   */
  force?: boolean;
}

/** Cancels one job; throws MolqError when it cannot be cancelled. */
export async function cancelJob(
  store: JobStore,
  cluster: Cluster,
  record: JobRecord,
): Promise<JobRecord> {
  const [outcome] = await cancelJobs(store, cluster, [record]);
  if (outcome instanceof MolqError) throw outcome;
  return outcome!;
}

/**
 * Cancels jobs of one cluster together: one look at their files, one cancel command for
 * all of them (`scancel A B C`), then each is recorded. Returns, in the given order, each
 * job's record or why it could not be cancelled.
 */
export async function cancelJobs(
  store: JobStore,
  cluster: Cluster,
  records: readonly JobRecord[],
  options: CancelOptions = {},
): Promise<(JobRecord | MolqError)[]> {
  const scheduler = cluster.scheduler;
  const outcomes = new Map<string, JobRecord | MolqError>();
  if (scheduler.kind === "local") {
    const open = records.filter((r) => !isTerminal(store.get(r.jobId)!.state));
    // A local pass over the jobs costs no scheduler a query; a failing one changes nothing,
    // and the cancel is still tried. (Batch clusters keep their shared budget.)
    if (open.length > 0) {
      await cluster.refreshJobs(open.map((r) => r.jobId), { force: true }).catch(() => {});
    }
  }
  const sent = new Set<string>();
  let pending = [...new Map(records.map((r) => [r.jobId, r])).values()];
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    const looks = pending.map((r) => store.get(r.jobId)!);
    const open: JobRecord[] = [];
    for (const current of looks) {
      // A concurrent pass may have recorded our cancel first (it saw the job end on our signal).
      if (sent.has(current.jobId) && current.state === "cancelled") {
        outcomes.set(current.jobId, current);
      } else if (isTerminal(current.state)) {
        outcomes.set(
          current.jobId,
          cannotCancel(current, `job is already finished (${current.state})`),
        );
      } else open.push(current);
    }
    const tasks = tasksOf(store, open);
    const unsent = open.filter((r) => r.schedulerJobId !== null && !sent.has(r.jobId));
    // Forced: a job only another host can signal is recorded without a signal.
    const unsignalled = new Set(
      options.force ? unsent.filter((r) => elsewhere(r, scheduler)).map((r) => r.jobId) : [],
    );
    const refused = await refusals(scheduler, unsent.filter((r) => !unsignalled.has(r.jobId)));
    for (const [jobId, error] of refused) outcomes.set(jobId, error);
    const toSend = unsent.filter((r) => !refused.has(r.jobId) && !unsignalled.has(r.jobId));
    for (const [jobId, error] of await sendCancel(scheduler, toSend, tasks)) {
      outcomes.set(jobId, error);
    }
    for (const r of toSend) sent.add(r.jobId);
    const now = Date.now();
    const patch = { finishedAt: now, failureReason: "Cancelled by the user.", stateDetail: null };
    for (const current of open) {
      if (outcomes.has(current.jobId)) continue;
      const forced = unsignalled.has(current.jobId);
      const why = forced
        ? `cancelled by the user, unsignalled on ${current.host}`
        : "cancelled by the user";
      const recorded = forced
        ? { ...patch, failureReason: unsignalledReason(current.host!) }
        : patch;
      if (!store.transition(current.jobId, current.state, "cancelled", recorded, why, now)) {
        continue; // a concurrent pass moved the job on; look again
      }
      for (const task of tasks.get(current.jobId) ?? []) {
        store.transition(
          task.jobId,
          task.state,
          "cancelled",
          patch,
          "cancelled with its array",
          now,
        );
      }
      outcomes.set(current.jobId, store.get(current.jobId)!);
    }
    pending = pending.filter((r) => !outcomes.has(r.jobId));
  }
  for (const r of pending) outcomes.set(r.jobId, cannotCancel(r, "its state keeps changing"));
  return records.map((r) => outcomes.get(r.jobId)!);
}

/**
 * One cancel command for all the jobs (and their arrays' tasks). When it fails, each job
 * is cancelled on its own, so that the refusal is told for the jobs it concerns (a job the
 * first command ended reads as gone then, which cancels nothing).
 */
async function sendCancel(
  scheduler: Scheduler,
  records: readonly JobRecord[],
  tasks: ReadonlyMap<string, JobRecord[]>,
): Promise<Map<string, MolqError>> {
  const failures = new Map<string, MolqError>();
  const tracked = (group: readonly JobRecord[]) =>
    group.flatMap((r) => [r, ...(tasks.get(r.jobId) ?? [])])
      .filter((r) => r.schedulerJobId).map((r) => toTracked(activeJobOf(r)));
  if (records.length === 0) return failures;
  try {
    await scheduler.cancel(tracked(records));
    return failures;
  } catch (error) {
    if (!(error instanceof MolqError)) throw error;
    if (records.length === 1) return failures.set(records[0]!.jobId, error);
  }
  for (const record of records) {
    try {
      await scheduler.cancel(tracked([record]));
    } catch (error) {
      if (!(error instanceof MolqError)) throw error;
      failures.set(record.jobId, error);
    }
  }
  return failures;
}

const UNSIGNALLED = "Cancelled by the user with --force, without a signal";

function unsignalledReason(host: string): string {
  return `${UNSIGNALLED}: only ${host} could signal it.`;
}

/** Whether `--force` recorded this job cancelled without signalling it. */
export function cancelledUnsignalled(record: JobRecord): boolean {
  return record.state === "cancelled" && !!record.failureReason?.startsWith(UNSIGNALLED);
}

function cannotCancel(record: JobRecord, why: string): MolqError {
  return new MolqError(`Cannot cancel job "${record.jobId.slice(0, 8)}": ${why}.`);
}

/** The active tasks of each of these jobs that is an array, by the array's job id. */
function tasksOf(store: JobStore, records: readonly JobRecord[]): Map<string, JobRecord[]> {
  const arrays = new Set(records.map((r) => r.jobId));
  const tasks = new Map<string, JobRecord[]>();
  if (records.length === 0) return tasks;
  for (const task of store.list({ states: ["submitted", "queued", "running"] })) {
    if (task.arrayJobId === null || !arrays.has(task.arrayJobId)) continue;
    tasks.set(task.arrayJobId, [...tasks.get(task.arrayJobId) ?? [], task]);
  }
  return tasks;
}

/**
 * The jobs not to signal, and why: a local job started on another host, and a batch job
 * that ended since the last pass (read in one look at all their files).
 */
async function refusals(
  scheduler: Scheduler,
  records: readonly JobRecord[],
): Promise<Map<string, MolqError>> {
  const refused = new Map<string, MolqError>();
  for (const record of records) {
    const where = elsewhere(record, scheduler);
    if (where) {
      refused.set(
        record.jobId,
        cannotCancel(
          record,
          `it runs on ${where}; cancel it there (if ${where} is gone for good, --force records it cancelled)`,
        ),
      );
    }
  }
  const ended = await endedBatchJobs(scheduler, records.filter((r) => !refused.has(r.jobId)));
  for (const [record, exitCode] of ended) {
    const why =
      `it has already ended with exit code ${exitCode}; the next refresh records its result`;
    refused.set(record.jobId, cannotCancel(record, why));
  }
  return refused;
}

/**
 * A started local job's pids mean something only on its own host: the other host it runs
 * on, or null where it may be signalled (a job still held by molq has none).
 */
function elsewhere(record: JobRecord, scheduler: Scheduler): string | null {
  if (record.scheduler !== "local" || scheduler.runner.remote || record.host === null) return null;
  return record.host === Deno.hostname() ? null : record.host;
}

/**
 * The batch jobs (not arrays) that wrote their exit code: cancelling one would overwrite its
 * result, which the next pass records. One look at all their files; a failing look
 * refuses none.
 */
async function endedBatchJobs(
  scheduler: Scheduler,
  records: readonly JobRecord[],
): Promise<[JobRecord, number][]> {
  if (scheduler.kind === "local") return [];
  const single = records.map((r) => [r, toTracked(activeJobOf(r))] as const)
    .filter(([, job]) => !job.array && !job.arrayTaskId);
  if (single.length === 0) return [];
  const snapshot = await gatherJobFiles(scheduler.runner, single.map(([, job]) => job.jobDir))
    .catch(() => null);
  if (!snapshot) return [];
  return single.flatMap(([record, job]) => {
    const exitCode = snapshot.evidence(job.jobDir).exitCode;
    return exitCode === undefined ? [] : [[record, exitCode] as [JobRecord, number]];
  });
}
