/**
 * The `molq daemon` lease: one row in the store naming the one daemon that runs refresh
 * passes for it, on whichever host. The holder beats (a counter and its clock) every
 * heartbeat; a waiting daemon takes over when the counter has not moved for two of the
 * holder's heartbeats by its own clock, so clock skew between hosts does not matter. A
 * heartbeat older than that plus MAX_CLOCK_SKEW_MS by the wall clock, or a holder on this
 * host whose process is gone, is stale at once. Every write is compare-and-set.
 */
import type { JobStore } from "./job_store.ts";

/** How far apart two hosts' clocks may be without a live holder looking stale. */
export const MAX_CLOCK_SKEW_MS = 5_000;
/** A holder that missed this many heartbeats is stale. */
export const STALE_AFTER_HEARTBEATS = 2;

export interface DaemonIdentity {
  /** Unique per daemon process. */
  owner: string;
  host: string;
  pid: number;
  heartbeatMs: number;
  intervalMs: number;
  logPath: string | null;
}

export interface DaemonLeaseRow {
  owner: string | null;
  host: string | null;
  pid: number | null;
  since: number | null;
  heartbeat: number | null;
  beats: number;
  heartbeatMs: number | null;
  intervalMs: number | null;
  logPath: string | null;
  releasedAt: number | null;
  stopGeneration: number;
}

export function readDaemonLease(store: JobStore): DaemonLeaseRow {
  const row = store.prepare("SELECT * FROM daemon_lease WHERE id = 1").get();
  const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    owner: (row?.owner ?? null) as string | null,
    host: (row?.host ?? null) as string | null,
    pid: num(row?.pid),
    since: num(row?.since),
    heartbeat: num(row?.heartbeat),
    beats: Number(row?.beats ?? 0),
    heartbeatMs: num(row?.heartbeat_ms),
    intervalMs: num(row?.interval_ms),
    logPath: (row?.log_path ?? null) as string | null,
    releasedAt: num(row?.released_at),
    stopGeneration: Number(row?.stop_generation ?? 0),
  };
}

/**
 * Takes the lease if it is free, already ours, or `stale` says its holder is gone: only
 * if the row is still what was judged (same owner, same beat), so two waiters never both win.
 */
export function acquireDaemonLease(
  store: JobStore,
  me: DaemonIdentity,
  stale: (row: DaemonLeaseRow) => boolean,
  now = Date.now(),
): boolean {
  return store.write(() => {
    const row = readDaemonLease(store);
    if (row.owner !== null && row.owner !== me.owner && !stale(row)) return false;
    const changes = store.prepare(
      `UPDATE daemon_lease SET owner = ?, host = ?, pid = ?, since = ?, heartbeat = ?, beats = 0,
         heartbeat_ms = ?, interval_ms = ?, log_path = ?, released_at = NULL
       WHERE id = 1 AND owner IS ? AND beats = ?`,
    ).run(
      me.owner,
      me.host,
      me.pid,
      now,
      now,
      me.heartbeatMs,
      me.intervalMs,
      me.logPath,
      row.owner,
      row.beats,
    ).changes;
    return Number(changes) === 1;
  });
}

/** One heartbeat; false when this daemon no longer holds the lease. */
export function beatDaemonLease(store: JobStore, owner: string, now = Date.now()): boolean {
  return store.write(() =>
    Number(
      store.prepare(
        "UPDATE daemon_lease SET heartbeat = ?, beats = beats + 1 WHERE id = 1 AND owner = ?",
      ).run(now, owner).changes,
    ) === 1
  );
}

/** Frees the lease if this daemon holds it; the row keeps who held it last. */
export function releaseDaemonLease(store: JobStore, owner: string, now = Date.now()): void {
  store.write(() =>
    store.prepare(
      "UPDATE daemon_lease SET owner = NULL, released_at = ? WHERE id = 1 AND owner = ?",
    ).run(now, owner)
  );
}

/** Asks every daemon of this store, holder and waiters on any host, to stop. */
export function requestDaemonStop(store: JobStore): number {
  return store.write(() => {
    store.prepare("UPDATE daemon_lease SET stop_generation = stop_generation + 1 WHERE id = 1")
      .run();
    return readDaemonLease(store).stopGeneration;
  });
}

/** Whether a holder's last heartbeat is too old by the wall clock, allowing for skew. */
export function heartbeatTooOld(row: DaemonLeaseRow, now = Date.now()): boolean {
  if (row.heartbeat === null || row.heartbeatMs === null) return true;
  return now - row.heartbeat > STALE_AFTER_HEARTBEATS * row.heartbeatMs + MAX_CLOCK_SKEW_MS;
}

/**
 * A waiting daemon's judgement of the holder, by watching its beat counter on this
 * process's own monotonic clock (`nowMs`, e.g. performance.now()).
 */
export class LeaseWatcher {
  #seen: { owner: string; beats: number; atMs: number } | null = null;

  /** True when the holder has stopped beating. */
  isStale(row: DaemonLeaseRow, nowMs: number, wallNow = Date.now()): boolean {
    if (row.owner === null) return true;
    if (this.#seen?.owner !== row.owner || this.#seen.beats !== row.beats) {
      this.#seen = { owner: row.owner, beats: row.beats, atMs: nowMs };
    }
    const stillFor = nowMs - this.#seen.atMs;
    const heartbeatMs = row.heartbeatMs ?? 0;
    return stillFor > STALE_AFTER_HEARTBEATS * heartbeatMs || heartbeatTooOld(row, wallNow);
  }
}
