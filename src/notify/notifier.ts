/**
 * Runs the end notifications this process owes, in the background: a reconcile pass kicks
 * it after recording its transitions and goes on without waiting, so a slow or hanging
 * notify command never holds up a pass (it has a timeout of its own). The CLI waits for the
 * deliveries under way before it exits; they hold a lease, so none is ever run twice by
 * overlapping processes, and one cut short by a crash is retried by a later pass.
 */
import type { JobStore } from "../store/job_store.ts";
import { dueNotifications } from "../store/notification_claims.ts";

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
    // The delivery code is imported only when something is due: most passes owe nothing.
    const delivery: Promise<void> = import("./deliver_claim.ts").then((module) =>
      module.deliverClaim(store, jobId)
    ).catch(() => {
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
