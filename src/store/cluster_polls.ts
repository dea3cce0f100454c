/**
 * Per-cluster poll bookkeeping in the store: a short lease so that reconcile passes for
 * one cluster never overlap across processes, the last poll time that lets every other
 * process skip a fresh cluster, the last error, and the scheduler calls of the last hour.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import type { JobStore } from "./job_store.ts";

export interface ClusterPollInfo {
  /** The cluster's name. */
  name: string;
  /** For a local cluster, the host whose passes these are (each host polls its own jobs). */
  host: string | null;
  scheduler: SchedulerKind;
  lastPollAt: number | null;
  lastPollError: string | null;
  lastPollErrorAt: number | null;
  callsLastHour: number;
}

export type LeaseDecision = "acquired" | "fresh" | "busy";

const HOUR_MS = 3_600_000;
/**
 * Login nodes' clocks differ by a few seconds: another host's lease is honoured this much
 * past its expiry, and a last poll this far "in the future" is still taken as recent.
 * A larger difference is not trusted at all (polling is the safe side then).
 */
export const MAX_CLOCK_SKEW_MS = 10_000;

/** Who takes a lease: an owner token, and the host and pid it runs as (for display). */
export interface LeaseHolder {
  owner: string;
  host: string;
  pid: number;
}

/**
 * The clusters-table key of a cluster's passes: local jobs are judged per host, so a local
 * cluster has one budget and one lease per host (`local@login1`); any other cluster, one.
 */
export function pollKey(cluster: string, scheduler: SchedulerKind, host: string | null): string {
  return scheduler === "local" && host !== null ? `${cluster}@${host}` : cluster;
}

function splitPollKey(
  key: string,
  scheduler: SchedulerKind,
): { name: string; host: string | null } {
  const at = key.lastIndexOf("@");
  if (scheduler !== "local" || at <= 0) return { name: key, host: null };
  return { name: key.slice(0, at), host: key.slice(at + 1) };
}

/**
 * Takes the poll lease for `cluster` unless another process holds an unexpired one, or
 * (without `force`) the cluster was polled less than `minIntervalMs` ago.
 */
export function acquirePollLease(
  store: JobStore,
  cluster: string,
  scheduler: SchedulerKind,
  holder: LeaseHolder,
  options: { minIntervalMs: number; leaseMs: number; force?: boolean; now?: number },
): LeaseDecision {
  // A look without the write lock first: most callers find the cluster fresh or busy, and
  // many waiters must not queue for the lock only to learn that.
  const peek = peekPollLease(store, cluster, holder, options);
  if (peek !== "acquired") return peek;
  return store.write(() => {
    store.prepare("INSERT OR IGNORE INTO clusters (name, scheduler) VALUES (?, ?)").run(
      cluster,
      scheduler,
    );
    // Read the clock inside the transaction: waiting for the write lock may take a while.
    const now = options.now ?? Date.now();
    const decision = decide(readLease(store, cluster)!, holder, now, options);
    if (decision !== "acquired") return decision;
    store.prepare(
      `UPDATE clusters SET poll_lease_owner = ?, poll_lease_until = ?, poll_lease_host = ?,
         poll_lease_pid = ? WHERE name = ?`,
    ).run(holder.owner, now + options.leaseMs, holder.host, holder.pid, cluster);
    return "acquired";
  });
}

/**
 * What `acquirePollLease` would decide, without taking anything: for a pass over a few
 * jobs that needs no lease (it spares no scheduler), but skips a fresh or busy cluster.
 */
export function peekPollLease(
  store: JobStore,
  cluster: string,
  holder: LeaseHolder,
  options: { minIntervalMs: number; force?: boolean; now?: number },
): LeaseDecision {
  const row = readLease(store, cluster);
  return row ? decide(row, holder, options.now ?? Date.now(), options) : "acquired";
}

interface LeaseRow {
  lastPollAt: number;
  leaseOwner: string | null;
  leaseUntil: number;
  leaseHost: string | null;
}

function readLease(store: JobStore, cluster: string): LeaseRow | undefined {
  const row = store.prepare(
    `SELECT last_poll_at, poll_lease_owner, poll_lease_until, poll_lease_host
     FROM clusters WHERE name = ?`,
  ).get(cluster);
  if (!row) return undefined;
  return {
    lastPollAt: Number(row.last_poll_at ?? 0),
    leaseOwner: (row.poll_lease_owner ?? null) as string | null,
    leaseUntil: Number(row.poll_lease_until ?? 0),
    leaseHost: (row.poll_lease_host ?? null) as string | null,
  };
}

/** Pure: may `holder` poll now, given the cluster's lease row? */
export function decide(
  row: LeaseRow,
  holder: LeaseHolder,
  now: number,
  options: { minIntervalMs: number; force?: boolean },
): LeaseDecision {
  if (row.leaseOwner !== null && row.leaseOwner !== holder.owner) {
    // Another host's clock may run behind ours: its lease lasts a little longer here.
    const margin = row.leaseHost !== null && row.leaseHost !== holder.host ? MAX_CLOCK_SKEW_MS : 0;
    if (row.leaseUntil + margin > now) return "busy";
  }
  const age = now - row.lastPollAt;
  const trusted = age >= -MAX_CLOCK_SKEW_MS; // a poll far "in the future": a clock is wrong
  if (!options.force && trusted && age < options.minIntervalMs) return "fresh";
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
      `UPDATE clusters SET poll_lease_owner = NULL, poll_lease_until = NULL,
         poll_lease_host = NULL, poll_lease_pid = NULL WHERE name = ? AND poll_lease_owner = ?`,
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
    ...splitPollKey(row.name as string, row.scheduler as SchedulerKind),
    scheduler: row.scheduler as SchedulerKind,
    lastPollAt: row.last_poll_at === null ? null : Number(row.last_poll_at),
    lastPollError: (row.last_poll_error ?? null) as string | null,
    lastPollErrorAt: row.last_poll_error_at === null ? null : Number(row.last_poll_error_at),
    callsLastHour: Number(row.calls),
  }));
}
