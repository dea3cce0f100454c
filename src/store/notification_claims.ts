/**
 * End notifications in the store. The record's final transition claims its notification in
 * the same write transaction (JobStore.transition), and that transition is compare-and-set,
 * so of all the processes that see a job end exactly one claims it, once. The claimant holds
 * a lease while it delivers; a claim whose holder died (crash between claim and delivery)
 * is taken over by a later pass once the lease ran out, and every attempt is counted.
 */
import type { JobState } from "../core/job_state.ts";
import { notifies, type NotifyPolicy } from "../core/notify_policy.ts";
import type { JobStore } from "./job_store.ts";

/** This process, as a claimant: host, pid and a random part (pids are reused). */
export const THIS_CLAIMANT = `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;

/** Attempts before molq gives up on a notification (the error stays for `inspect`). */
export const MAX_NOTIFY_ATTEMPTS = 3;
/** Wait before the next attempt after a failed one, times the attempts made. */
export const RETRY_BACKOFF_MS = 30_000;

export type NotificationStatus = "pending" | "sent" | "failed" | "skipped";

export interface NotificationRow {
  jobId: string;
  /** The final state it announces. */
  state: JobState;
  claimedAt: number;
  claimedBy: string;
  status: NotificationStatus;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  doneAt: number | null;
  error: string | null;
}

/** How long one delivery may hold its claim: twice its timeout, plus a margin. */
export function leaseMsFor(policy: Pick<NotifyPolicy, "timeoutSeconds">): number {
  return policy.timeoutSeconds * 2_000 + 5_000;
}

/**
 * Claims the notification of a record that just reached `state`, if its policy asks for
 * one. Call inside the transaction that records the state (JobStore does).
 */
export function claimNotification(store: JobStore, jobId: string, state: JobState, at: number) {
  const row = store.prepare("SELECT request_json, array_task_id FROM jobs WHERE job_id = ?")
    .get(jobId) as { request_json: string; array_task_id: string | null } | undefined;
  if (!row) return;
  const policy = (JSON.parse(row.request_json) as { notify?: NotifyPolicy }).notify;
  if (!notifies(policy, state, row.array_task_id !== null)) return;
  store.prepare(
    `INSERT OR IGNORE INTO notifications
       (job_id, state, claimed_at, claimed_by, status, lease_owner, lease_until)
     VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
  ).run(jobId, state, at, THIS_CLAIMANT, THIS_CLAIMANT, at + leaseMsFor(policy!));
}

/**
 * Notifications to deliver now: this process's own claims anywhere, and with a cluster (or
 * `"any"`) the claims nobody holds any more — a failed attempt past its backoff, or a
 * holder that died — of that cluster (or of all).
 */
export function dueNotifications(
  store: JobStore,
  now: number,
  scope: { cluster: string } | "own" | "any",
): string[] {
  const others = scope === "own" ? 0 : 1;
  const cluster = typeof scope === "object" ? scope.cluster : null;
  const rows = store.prepare(
    `SELECT n.job_id FROM notifications n JOIN jobs j ON j.job_id = n.job_id
     WHERE n.status = 'pending' AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= ?)
       AND (n.lease_owner = ? OR (? = 1 AND (n.lease_until IS NULL OR n.lease_until < ?)
         AND (? IS NULL OR j.cluster = ?)))
     ORDER BY n.claimed_at LIMIT 200`,
  ).all(now, THIS_CLAIMANT, others, now, cluster, cluster) as { job_id: string }[];
  return rows.map((row) => row.job_id);
}

/** Clusters with notifications still to deliver (so `molq refresh` visits them). */
export function clustersWithPendingNotifications(store: JobStore): [string, string][] {
  return (store.prepare(
    `SELECT DISTINCT j.cluster, j.scheduler FROM notifications n
     JOIN jobs j ON j.job_id = n.job_id WHERE n.status = 'pending'`,
  ).all() as { cluster: string; scheduler: string }[]).map((r) => [r.cluster, r.scheduler]);
}

/**
 * Starts an attempt: counts it and takes the lease, unless another process holds it.
 * True when this process may deliver now.
 */
export function beginAttempt(store: JobStore, jobId: string, now: number, leaseMs: number) {
  return store.write(() =>
    Number(
      store.prepare(
        `UPDATE notifications SET attempts = attempts + 1, lease_owner = ?, lease_until = ?,
           last_attempt_at = ?
         WHERE job_id = ? AND status = 'pending'
           AND (lease_owner = ? OR lease_until IS NULL OR lease_until < ?)`,
      ).run(THIS_CLAIMANT, now + leaseMs, now, jobId, THIS_CLAIMANT, now).changes,
    ) === 1
  );
}

/**
 * Records how an attempt ended. A failure waits for a later pass, until the attempts are
 * used up; only the lease holder writes (a taker after an expired lease wins).
 */
export function finishAttempt(
  store: JobStore,
  jobId: string,
  outcome: { ok: true } | { ok: false; error: string },
  now: number,
  backoffMs = RETRY_BACKOFF_MS,
): void {
  store.write(() => {
    const row = notificationOf(store, jobId);
    if (!row || row.status !== "pending" || row.leaseOwner !== THIS_CLAIMANT) return;
    const update = store.prepare(
      `UPDATE notifications SET status = ?, lease_owner = NULL, lease_until = NULL,
         next_attempt_at = ?, done_at = ?, error = ? WHERE job_id = ?`,
    );
    if (outcome.ok) update.run("sent", null, now, null, jobId);
    else if (row.attempts >= MAX_NOTIFY_ATTEMPTS) {
      update.run("failed", null, now, outcome.error, jobId);
    } else update.run("pending", now + backoffMs * row.attempts, null, outcome.error, jobId);
  });
}

/** Ends a claim without delivering it (e.g. the attempt was retried: its successor tells). */
export function skipNotification(store: JobStore, jobId: string, why: string, now: number) {
  store.prepare(
    `UPDATE notifications SET status = 'skipped', lease_owner = NULL, lease_until = NULL,
       done_at = ?, error = ? WHERE job_id = ? AND status = 'pending'`,
  ).run(now, why, jobId);
}

export function notificationOf(store: JobStore, jobId: string): NotificationRow | undefined {
  const row = store.prepare("SELECT * FROM notifications WHERE job_id = ?").get(jobId);
  if (!row) return undefined;
  const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    jobId: row.job_id as string,
    state: row.state as JobState,
    claimedAt: Number(row.claimed_at),
    claimedBy: row.claimed_by as string,
    status: row.status as NotificationStatus,
    attempts: Number(row.attempts),
    leaseOwner: (row.lease_owner ?? null) as string | null,
    leaseUntil: num(row.lease_until),
    nextAttemptAt: num(row.next_attempt_at),
    lastAttemptAt: num(row.last_attempt_at),
    doneAt: num(row.done_at),
    error: (row.error ?? null) as string | null,
  };
}
