/**
 * Per-cluster poll bookkeeping in the store: a short lease so that reconcile passes for
 * one cluster never overlap across processes, the last poll time that lets every other
 * process skip a fresh cluster, the last error, and the scheduler calls of the last hour.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import type { JobStore } from "./job_store.ts";

export interface ClusterPollInfo {
  name: string;
  scheduler: SchedulerKind;
  lastPollAt: number | null;
  lastPollError: string | null;
  lastPollErrorAt: number | null;
  callsLastHour: number;
}

export type LeaseDecision = "acquired" | "fresh" | "busy";

const HOUR_MS = 3_600_000;

/**
 * Takes the poll lease for `cluster` unless another process holds an unexpired one, or
 * (without `force`) the cluster was polled less than `minIntervalMs` ago.
 */
export function acquirePollLease(
  store: JobStore,
  cluster: string,
  scheduler: SchedulerKind,
  owner: string,
  options: { minIntervalMs: number; leaseMs: number; force?: boolean; now?: number },
): LeaseDecision {
  const now = options.now ?? Date.now();
  return store.write(() => {
    store.prepare("INSERT OR IGNORE INTO clusters (name, scheduler) VALUES (?, ?)").run(
      cluster,
      scheduler,
    );
    const row = store.prepare(
      "SELECT last_poll_at, poll_lease_owner, poll_lease_until FROM clusters WHERE name = ?",
    ).get(cluster) as Record<string, number | string | null>;
    const leaseUntil = Number(row.poll_lease_until ?? 0);
    if (leaseUntil > now && row.poll_lease_owner !== owner) return "busy";
    const lastPoll = Number(row.last_poll_at ?? 0);
    if (!options.force && now - lastPoll < options.minIntervalMs) return "fresh";
    store.prepare(
      "UPDATE clusters SET poll_lease_owner = ?, poll_lease_until = ? WHERE name = ?",
    ).run(owner, now + options.leaseMs, cluster);
    return "acquired";
  });
}

/** Ends a pass: records its outcome and its scheduler calls, and frees the lease. */
export function releasePollLease(
  store: JobStore,
  cluster: string,
  owner: string,
  outcome: { error: string | null; commandCalls: number; now?: number },
): void {
  const now = outcome.now ?? Date.now();
  store.write(() => {
    if (outcome.error === null) {
      store.prepare(
        "UPDATE clusters SET last_poll_at = ?, last_poll_error = NULL WHERE name = ?",
      ).run(now, cluster);
    } else {
      // A failed poll counts as a poll for the budget: a broken scheduler is not hammered.
      store.prepare(
        "UPDATE clusters SET last_poll_at = ?, last_poll_error = ?, last_poll_error_at = ? WHERE name = ?",
      ).run(now, outcome.error, now, cluster);
    }
    store.prepare(
      "UPDATE clusters SET poll_lease_owner = NULL, poll_lease_until = NULL WHERE name = ? AND poll_lease_owner = ?",
    ).run(cluster, owner);
    if (outcome.commandCalls > 0) {
      store.prepare("INSERT INTO scheduler_calls (cluster, at, calls) VALUES (?, ?, ?)").run(
        cluster,
        now,
        outcome.commandCalls,
      );
    }
    store.prepare("DELETE FROM scheduler_calls WHERE cluster = ? AND at < ?").run(
      cluster,
      now - HOUR_MS,
    );
  });
}

export function clusterPollInfo(store: JobStore, now = Date.now()): ClusterPollInfo[] {
  return store.prepare(
    `SELECT c.name, c.scheduler, c.last_poll_at, c.last_poll_error, c.last_poll_error_at,
       (SELECT coalesce(sum(calls), 0) FROM scheduler_calls s WHERE s.cluster = c.name AND s.at >= ?) AS calls
     FROM clusters c ORDER BY c.name`,
  ).all(now - HOUR_MS).map((row) => ({
    name: row.name as string,
    scheduler: row.scheduler as SchedulerKind,
    lastPollAt: row.last_poll_at === null ? null : Number(row.last_poll_at),
    lastPollError: (row.last_poll_error ?? null) as string | null,
    lastPollErrorAt: row.last_poll_error_at === null ? null : Number(row.last_poll_error_at),
    callsLastHour: Number(row.calls),
  }));
}
