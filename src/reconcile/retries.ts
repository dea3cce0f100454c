/**
 * Retries (SPEC §7): an attempt that ran and ended `failed` or `timed_out` (on one of
 * the policy's exit codes, when it names any) gets a next attempt in its lineage while
 * attempts are left. The next attempt is recorded in the same write transaction as the
 * failure — so a wait never sees a failed attempt whose retry is still to come — as a
 * `created` record with `notBefore` = failure + backoff (doubling per attempt). A later
 * pass hands it over once that time has come; nothing ever sleeps inside a pass.
 */
import { dirname } from "../core/paths.ts";
import type { JobRecord } from "../core/job_record.ts";
import type { RetryPolicy } from "../core/job_request.ts";
import type { JobStore } from "../store/job_store.ts";
import { localHostHere, type Scheduler } from "../schedulers/scheduler.ts";
import { handOver, recordJob } from "./submit_job.ts";

/** Whether this finished attempt gets another one. */
export function wantsRetry(record: JobRecord): boolean {
  const retry = record.request.retry;
  if (!retry || record.attempt >= retry.attempts) return false;
  if (record.state !== "failed" && record.state !== "timed_out") return false;
  // Rejected at submission: the same request would be rejected the same way.
  if (record.schedulerJobId === null) return false;
  // An array is one scheduler job of many tasks; molq does not resubmit arrays.
  if (record.arrayJobId !== null || record.request.scheduling.array) return false;
  return retry.onExitCodes.length === 0 ||
    (record.exitCode !== null && retry.onExitCodes.includes(record.exitCode));
}

/** Seconds between the end of `attempt` and the start of the next one. */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  return policy.backoffSeconds * 2 ** (attempt - 1);
}

/**
 * Records the next attempt of `ended` (which just reached its final state) if it wants
 * one. Call inside the write transaction that recorded the end.
 */
export function recordRetry(
  store: JobStore,
  scheduler: Scheduler,
  ended: JobRecord,
  now: number,
): JobRecord | null {
  if (!wantsRetry(ended)) return null;
  const policy = ended.request.retry!;
  const target = { store, cluster: ended.cluster, scheduler, jobsDir: dirname(ended.jobDir) };
  try {
    return recordJob(target, ended.request, {
      attempt: ended.attempt + 1,
      lineageId: ended.lineageId,
      previousAttemptId: ended.jobId,
      notBefore: now + retryDelaySeconds(policy, ended.attempt) * 1000,
    });
  } catch (error) {
    // E.g. its working directory is gone: the lineage ends with this attempt, saying why.
    const why = error instanceof Error ? error.message : String(error);
    const failureReason = `${ended.failureReason ?? ended.state} No retry: ${why}`;
    store.update(ended.jobId, ended.state, { failureReason });
    return null;
  }
}

/** Part of a reconcile pass: submits the waiting retries of `cluster` whose time has come. */
export async function handOverDueRetries(
  store: JobStore,
  cluster: string,
  scheduler: Scheduler,
  now: number,
): Promise<number> {
  // A local retry is started by its own host (where its earlier attempts ran).
  const here = localHostHere(scheduler);
  const due = store.prepare(
    `SELECT job_id FROM jobs WHERE cluster = ? AND state = 'created'
       AND not_before IS NOT NULL AND not_before <= ?
       AND (? IS NULL OR host IS NULL OR host = ?) ORDER BY not_before`,
  ).all(cluster, now, here, here) as { job_id: string }[];
  let changed = 0;
  for (const { job_id: jobId } of due) {
    // Cleared first: if this process dies mid-submit, the record reads as an interrupted
    // submission (failed) instead of being submitted twice.
    if (!store.update(jobId, "created", { notBefore: null })) continue;
    const record = store.get(jobId)!;
    try {
      await handOver({ store, cluster, scheduler, jobsDir: dirname(record.jobDir) }, record);
    } catch (error) {
      // handOver records a refusal as failed; this covers what fails before it asks.
      const reason = `Submission failed: ${error instanceof Error ? error.message : String(error)}`;
      store.transition(
        jobId,
        "created",
        "failed",
        { failureReason: reason, finishedAt: now },
        reason,
      );
    }
    changed++;
  }
  return changed;
}
