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

export async function cancelJob(
  store: JobStore,
  cluster: Cluster,
  record: JobRecord,
): Promise<JobRecord> {
  const scheduler = cluster.scheduler;
  if (scheduler.kind === "local" && !isTerminal(store.get(record.jobId)!.state)) {
    // A local pass over the job costs no scheduler a query; a failing one changes nothing,
    // and the cancel is still tried. (Batch clusters keep their shared budget.)
    await cluster.refreshJobs([record.jobId], { force: true }).catch(() => {});
  }
  let sent = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = store.get(record.jobId)!;
    // A concurrent pass may have recorded our cancel first (it saw the job end on our signal).
    if (sent && current.state === "cancelled") return current;
    if (isTerminal(current.state)) {
      throw new MolqError(
        `Cannot cancel job "${
          current.jobId.slice(0, 8)
        }": job is already finished (${current.state}).`,
      );
    }
    const tasks = store.list({ states: ["submitted", "queued", "running"] })
      .filter((r) => r.arrayJobId === current.jobId);
    if (current.schedulerJobId !== null) {
      assertCancellableHere(current, scheduler);
      if (!sent) await refuseIfEnded(scheduler, current);
      await scheduler.cancel(
        [current, ...tasks].filter((r) => r.schedulerJobId).map((r) => toTracked(activeJobOf(r))),
      );
      sent = true;
    }
    const now = Date.now();
    const patch = { finishedAt: now, failureReason: "Cancelled by the user.", stateDetail: null };
    if (
      store.transition(
        current.jobId,
        current.state,
        "cancelled",
        patch,
        "cancelled by the user",
        now,
      )
    ) {
      for (const task of tasks) {
        store.transition(
          task.jobId,
          task.state,
          "cancelled",
          patch,
          "cancelled with its array",
          now,
        );
      }
      return store.get(current.jobId)!;
    }
    // A concurrent pass moved the job on; look again.
  }
  throw new MolqError(`Cannot cancel job "${record.jobId.slice(0, 8)}": its state keeps changing.`);
}

/**
 * A started local job's pids mean something only on its own host: signal it there or not
 * at all (a job still held by molq has none, and is cancelled from anywhere).
 */
function assertCancellableHere(record: JobRecord, scheduler: Scheduler): void {
  if (record.scheduler !== "local" || scheduler.runner.remote || record.host === null) return;
  if (record.host === Deno.hostname()) return;
  throw new MolqError(
    `Cannot cancel job "${record.jobId.slice(0, 8)}": it runs on ${record.host}; cancel it there.`,
  );
}

/**
 * A batch job (not an array) that wrote its exit code has ended: cancelling it would
 * overwrite its result, which the next pass records. A failing look changes nothing.
 */
async function refuseIfEnded(scheduler: Scheduler, record: JobRecord): Promise<void> {
  const job = toTracked(activeJobOf(record));
  if (scheduler.kind === "local" || job.array || job.arrayTaskId) return;
  const snapshot = await gatherJobFiles(scheduler.runner, [job.jobDir]).catch(() => null);
  const exitCode = snapshot?.evidence(job.jobDir).exitCode;
  if (exitCode === undefined) return;
  throw new MolqError(
    `Cannot cancel job "${
      record.jobId.slice(0, 8)
    }": it has already ended with exit code ${exitCode}; the next refresh records its result.`,
  );
}
