/**
 * One end notification delivered for a claim this process holds (notifier.ts decides which):
 * the facts of the job, the attempt recorded under a lease, the outcome and any retry.
 */
import type { JobRecord } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";
import { JobStore } from "../store/job_store.ts";
import {
  beginAttempt,
  finishAttempt,
  leaseMsFor,
  notificationOf,
  RETRY_BACKOFF_MS,
  skipNotification,
} from "../store/notification_claims.ts";
import { parseDurationSeconds } from "../core/duration.ts";
import { usageOf } from "../store/usage_rows.ts";
import { formatUsageLine } from "../usage/usage_line.ts";
import { deliverNotification } from "./deliver_notification.ts";
import type { NotificationFacts, TaskCounts } from "./notify_message.ts";

/** Delivers one claimed notification, unless its lineage went on or another process has it. */
export async function deliverClaim(store: JobStore, jobId: string): Promise<void> {
  const record = store.get(jobId);
  const claim = notificationOf(store, jobId);
  const policy = record?.request.notify;
  if (!record || !claim || !policy || claim.status !== "pending") return;
  const latest = store.latestAttempt(record);
  if (latest.jobId !== record.jobId) {
    // The failed attempt was retried: the lineage's last attempt tells how it ended.
    const why = `Attempt ${latest.attempt} followed; it notifies when it ends.`;
    return skipNotification(store, jobId, why, Date.now());
  }
  if (!beginAttempt(store, jobId, Date.now(), leaseMsFor(policy))) return;
  const outcome = await deliverNotification(policy, facts(store, record, claim.state));
  const backoffMs = retryBackoffMs();
  withOpenStore(store, (open) => finishAttempt(open, jobId, outcome, Date.now(), backoffMs));
}

/**
 * The wait before retrying a failed delivery (times the attempts made): 30 s, or
 * MOLQ_NOTIFY_RETRY (a duration) for sites and tests.
 */
function retryBackoffMs(): number {
  const text = Deno.env.get("MOLQ_NOTIFY_RETRY");
  if (!text) return RETRY_BACKOFF_MS;
  try {
    return parseDurationSeconds(text) * 1000;
  } catch {
    return RETRY_BACKOFF_MS;
  }
}

function facts(store: JobStore, record: JobRecord, state: JobState): NotificationFacts {
  const facts: NotificationFacts = { record, state };
  const usage = usageOf(store, [record.jobId]).get(record.jobId)?.usage;
  if (usage) facts.usageLine = formatUsageLine(usage);
  if (record.arrayJobId === null && record.request.scheduling.array) {
    const rows = store.prepare(
      "SELECT state, count(*) AS n FROM jobs WHERE array_job_id = ? GROUP BY state ORDER BY state",
    ).all(record.jobId) as { state: JobState; n: number }[];
    if (rows.length > 0) {
      facts.taskCounts = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])) as TaskCounts;
    }
  }
  return facts;
}

/** A library script may close its store while a delivery runs: record it through a new one. */
function withOpenStore(store: JobStore, work: (store: JobStore) => void): void {
  try {
    work(store);
  } catch (error) {
    if (!/not open/i.test(error instanceof Error ? error.message : String(error))) throw error;
    const reopened = JobStore.open(store.path);
    try {
      work(reopened);
    } finally {
      reopened.close();
    }
  }
}
