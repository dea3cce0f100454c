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
  // A look without the write lock first: most callers find the cluster fresh or busy, and
  // many waiters must not queue for the lock only to learn that.
  const peek = readLease(store, cluster);
  if (peek) {
    const decision = decide(peek, owner, options.now ?? Date.now(), options);
    if (decision !== "acquired") return decision;
  }
  return store.write(() => {
    store.prepare("INSERT OR IGNORE INTO clusters (name, scheduler) VALUES (?, ?)").run(
      cluster,
      scheduler,
    );
    // Read the clock inside the transaction: waiting for the write lock may take a while.
    const now = options.now ?? Date.now();
    const decision = decide(readLease(store, cluster)!, owner, now, options);
    if (decision !== "acquired") return decision;
    store.prepare(
      "UPDATE clusters SET poll_lease_owner = ?, poll_lease_until = ? WHERE name = ?",
    ).run(owner, now + options.leaseMs, cluster);
    return "acquired";
  });
}

interface LeaseRow {
  lastPollAt: number;
  leaseOwner: string | null;
  leaseUntil: number;
}

function readLease(store: JobStore, cluster: string): LeaseRow | undefined {
  const row = store.prepare(
    "SELECT last_poll_at, poll_lease_owner, poll_lease_until FROM clusters WHERE name = ?",
  ).get(cluster);
  if (!row) return undefined;
  return {
    lastPollAt: Number(row.last_poll_at ?? 0),
    leaseOwner: (row.poll_lease_owner ?? null) as string | null,
    leaseUntil: Number(row.poll_lease_until ?? 0),
  };
}

function decide(
  row: LeaseRow,
  owner: string,
  now: number,
  options: { minIntervalMs: number; force?: boolean },
): LeaseDecision {
  if (row.leaseUntil > now && row.leaseOwner !== owner) return "busy";
  if (!options.force && now - row.lastPollAt < options.minIntervalMs) return "fresh";
  return "acquired";
}

/** Ends a pass: records its outcome and its scheduler calls, and frees the lease. */
export function releasePollLease(
  store: JobStore,
  cluster: string,
  owner: string,
  outcome: { error: string | null; commandCalls: number; now?: number },
): void {
  store.write(() => {
    const now = outcome.now ?? Date.now();
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

/** Extends a lease this owner holds while its pass runs; false when it lost the lease. */
export function renewPollLease(
  store: JobStore,
  cluster: string,
  owner: string,
  leaseMs: number,
  now?: number,
): boolean {
  return store.write(() =>
    Number(
      store.prepare(
        "UPDATE clusters SET poll_lease_until = ? WHERE name = ? AND poll_lease_owner = ?",
      ).run((now ?? Date.now()) + leaseMs, cluster, owner).changes,
    ) === 1
  );
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
