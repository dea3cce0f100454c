/**
 * The `molq daemon` loop: hold the store's daemon lease (or wait for it), and while holding
 * it run the shared, budgeted refresh pass for every cluster with active jobs each interval.
 * A daemon waiting for the lease still passes over this host's local jobs each interval:
 * only their own host can judge them, so a holder on another login node never would.
 * One stderr line per state change, error, and change of who holds the lease. A stop
 * request (signal or `molq daemon --stop`) ends it after the cluster pass in flight.
 */
import { formatElapsed } from "../core/duration.ts";
import type { PassResult } from "../reconcile/job_reconciler.ts";
import {
  acquireDaemonLease,
  beatDaemonLease,
  type DaemonIdentity,
  type DaemonLeaseRow,
  heartbeatTooOld,
  LeaseWatcher,
  readDaemonLease,
  releaseDaemonLease,
} from "../store/daemon_lease.ts";
import type { JobStore } from "../store/job_store.ts";
import type { CliContext } from "./context.ts";
import { ClusterBackoff } from "./cluster_backoff.ts";
import type { StopSignal } from "./stop_signal.ts";
import { printable } from "./style.ts";
import { every } from "../core/timers.ts";
import { localHostHere } from "../schedulers/scheduler.ts";

/** Which clusters a pass covers: all with active jobs, or only this host's local ones. */
type PassScope = "every cluster" | "this host";

export interface DaemonSettings {
  intervalMs: number;
  heartbeatMs: number;
  /** One pass, if no other daemon holds the lease, then return. */
  once: boolean;
  logPath: string | null;
  stop: StopSignal;
  log: (line: string) => void;
}

/** Runs until stopped; returns the number of cluster passes that failed (for `--once`). */
export async function runDaemon(ctx: CliContext, settings: DaemonSettings): Promise<number> {
  const { stop, log } = settings;
  const store = ctx.store;
  const me: DaemonIdentity = {
    owner: crypto.randomUUID(),
    host: Deno.hostname(),
    pid: Deno.pid,
    heartbeatMs: settings.heartbeatMs,
    intervalMs: settings.intervalMs,
    logPath: settings.logPath,
  };
  const generation = readDaemonLease(store).stopGeneration;
  const backoff = new ClusterBackoff(settings.intervalMs);
  if (settings.once) {
    const gone = (row: DaemonLeaseRow) => heldByNobody(row, me.host);
    if (!acquireDaemonLease(store, me, gone)) {
      const row = readDaemonLease(store);
      if (row.host === me.host) {
        log(`${describeHolder(row)} holds the lease; this pass is left to it.`);
        return 0;
      }
      log(`${describeHolder(row)} holds the lease; this pass covers only this host's local jobs.`);
      return await passOverClusters(ctx, backoff, stop, log, "this host");
    }
    try {
      return await passOverClusters(ctx, backoff, stop, log, "every cluster");
    } finally {
      releaseDaemonLease(store, me.owner);
    }
  }
  const watcher = new LeaseWatcher();
  const stale = (row: DaemonLeaseRow) =>
    heldByNobody(row, me.host) || watcher.isStale(row, performance.now());
  log(
    `molq daemon pid ${me.pid} on ${me.host} started (interval ${
      seconds(settings.intervalMs)
    }, heartbeat ${seconds(settings.heartbeatMs)}).`,
  );
  let waitingFor: string | null = null;
  let nextHostPass = 0;
  while (stop.reason === null) {
    const row = readDaemonLease(store);
    if (row.stopGeneration !== generation) {
      stop.request("molq daemon --stop");
      break;
    }
    if (!acquireDaemonLease(store, me, stale)) {
      // Only this host can judge its local jobs: a holder elsewhere never would.
      const holderElsewhere = row.host !== me.host;
      if (row.owner !== waitingFor) {
        log(
          `waiting: ${describeHolder(row)} holds the lease${
            holderElsewhere ? "; refreshing this host's local jobs meanwhile" : ""
          }.`,
        );
        waitingFor = row.owner;
      }
      if (holderElsewhere && performance.now() >= nextHostPass) {
        await passOverClusters(ctx, backoff, stop, log, "this host");
        nextHostPass = performance.now() + settings.intervalMs;
      }
      await stop.sleep(Math.min(settings.heartbeatMs / 4, settings.intervalMs));
      continue;
    }
    log(
      row.owner === null || waitingFor === null
        ? "holds the lease: refreshing every cluster with active jobs."
        : `took over the lease from ${describeHolder(row)}, which stopped beating.`,
    );
    waitingFor = null;
    const lostTo = await holdLease(ctx, me, generation, backoff, settings);
    if (lostTo !== null) log(`lost the lease to ${describeHolder(lostTo)}; waiting.`);
  }
  log(`stopped (${stop.reason}).`);
  return 0;
}

/** Refreshes while holding the lease; returns who took it, or null when stopped. */
async function holdLease(
  ctx: CliContext,
  me: DaemonIdentity,
  generation: number,
  backoff: ClusterBackoff,
  settings: DaemonSettings,
): Promise<DaemonLeaseRow | null> {
  const { stop, log } = settings;
  const store = ctx.store;
  let lost: DaemonLeaseRow | null = null;
  const beat = every(settings.heartbeatMs, () => {
    try {
      if (!beatDaemonLease(store, me.owner)) {
        lost = readDaemonLease(store);
        stop.wake();
      } else if (readDaemonLease(store).stopGeneration !== generation) {
        stop.request("molq daemon --stop");
      }
    } catch (error) {
      log(`heartbeat failed: ${oneLine(error)}`);
    }
  });
  try {
    while (stop.reason === null && lost === null) {
      await passOverClusters(ctx, backoff, stop, log, "every cluster");
      if (stop.reason !== null || lost !== null) break;
      await stop.sleep(settings.intervalMs);
    }
  } finally {
    beat.cancel();
    if (lost === null) releaseDaemonLease(store, me.owner);
  }
  return lost;
}

/** One budgeted pass per cluster with active jobs in `scope`; returns how many failed. */
async function passOverClusters(
  ctx: CliContext,
  backoff: ClusterBackoff,
  stop: StopSignal,
  log: (line: string) => void,
  scope: PassScope,
): Promise<number> {
  let failed = 0;
  for (const [name, kind] of ctx.store.clustersWithActiveJobs()) {
    if (stop.reason !== null) break;
    if (scope === "this host" && kind !== "local") continue;
    if (!backoff.due(name, Date.now())) continue;
    const before = lastTransitionId(ctx.store);
    let result: PassResult;
    let host: string | null = null;
    try {
      const cluster = await ctx.cluster(name, kind);
      host = localHostHere(cluster.scheduler);
      if (scope === "this host" && host === null) continue;
      result = await cluster.refresh();
    } catch (error) {
      result = {
        cluster: name,
        skipped: false,
        changed: 0,
        commandCalls: 0,
        error: oneLine(error),
      };
    }
    if (result.error !== null) {
      failed++;
      const { count, retryInMs } = backoff.failed(name, Date.now());
      log(
        `${name}: refresh failed: ${
          printable(oneLine(result.error))
        } (${count} in a row; next try in ${seconds(retryInMs)}).`,
      );
      continue;
    }
    if (result.skipped === false) {
      const failures = backoff.succeeded(name);
      if (failures > 0) {
        log(`${name}: the scheduler answers again after ${failures} failed refreshes.`);
      }
    }
    if (result.changed > 0) {
      for (const line of changesSince(ctx.store, name, host, before)) log(line);
    }
  }
  return failed;
}

function lastTransitionId(store: JobStore): number {
  return Number(
    (store.prepare("SELECT coalesce(max(id), 0) AS id FROM transitions").get() as { id: number })
      .id,
  );
}

/**
 * One line per state change of the cluster's jobs recorded after `afterId`; with `host`,
 * of that host's jobs only (a local cluster's other hosts are reported by their daemons).
 */
function changesSince(
  store: JobStore,
  cluster: string,
  host: string | null,
  afterId: number,
): string[] {
  const rows = store.prepare(
    `SELECT t.job_id, t.from_state, t.to_state, t.reason, j.scheduler_job_id, j.exit_code
     FROM transitions t JOIN jobs j ON j.job_id = t.job_id
     WHERE t.id > ? AND j.cluster = ? AND (? IS NULL OR j.host IS NULL OR j.host = ?)
     ORDER BY t.id`,
  ).all(afterId, cluster, host, host) as {
    job_id: string;
    from_state: string | null;
    to_state: string;
    reason: string | null;
    scheduler_job_id: string | null;
    exit_code: number | null;
  }[];
  return rows.map((r) => {
    const sid = r.scheduler_job_id ? ` (${printable(r.scheduler_job_id)})` : "";
    const reason = r.reason ? `: ${printable(oneLine(r.reason))}` : "";
    return `${cluster} ${r.job_id.slice(0, 8)}${sid}: ${
      r.from_state ?? "new"
    } → ${r.to_state}${reason}`;
  });
}

/** A free lease, or one whose holder is known to be gone (its heartbeat or, here, its process). */
function heldByNobody(row: DaemonLeaseRow, host: string): boolean {
  return row.owner === null || heartbeatTooOld(row) ||
    (row.host === host && row.pid !== null && processGone(row.pid));
}

/** Linux only: no such process, or a zombie. Elsewhere nothing is known (false). */
export function processGone(pid: number): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return /^\d+ \(.*\) Z/s.test(stat);
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}

export function describeHolder(row: DaemonLeaseRow): string {
  if (row.pid === null) return "no molq daemon";
  const since = row.since === null ? "" : ` since ${new Date(row.since).toISOString()}`;
  return `molq daemon pid ${row.pid} on ${row.host}${since}`;
}

function seconds(ms: number): string {
  return formatElapsed(ms / 1000);
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").replace(/\.$/, "");
}
