/**
 * Runs the end notifications this process owes, in the background: a reconcile pass kicks
 * it after recording its transitions and goes on without waiting, so a slow or hanging
 * notify command never holds up a pass (it has a timeout of its own). The CLI waits for the
 * deliveries under way before it exits; they hold a lease, so none is ever run twice by
 * overlapping processes, and one cut short by a crash is retried by a later pass.
 */
import type { JobRecord } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";
import { JobStore } from "../store/job_store.ts";
import {
  beginAttempt,
  dueNotifications,
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

/** Job ids this process is delivering right now. */
const delivering = new Set<string>();
const running = new Set<Promise<void>>();

/**
 * Starts delivering what is due: this process's own claims, and claims nobody holds any
 * more of `scope.cluster` (all clusters with `"any"`, none with `"own"`). Returns at once.
 */
export function kickNotifications(store: JobStore, scope: { cluster: string } | "own" | "any") {
  let due: string[];
  try {
    due = dueNotifications(store, Date.now(), scope);
  } catch {
    return; // a busy or closed store: a later pass tries again
  }
  for (const jobId of due) {
    if (delivering.has(jobId)) continue;
    delivering.add(jobId);
    const delivery: Promise<void> = deliver(store, jobId).catch(() => {
      // The store failed under us: the claim's lease runs out and a later pass retries.
    }).finally(() => {
      delivering.delete(jobId);
      running.delete(delivery);
    });
    running.add(delivery);
  }
}

/** Resolves when every delivery this process started has finished. */
export async function notificationsSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

async function deliver(store: JobStore, jobId: string): Promise<void> {
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
