/** The dashboard's data source for the CLI: the store, the shared refresh, and cancel. */
import { cancelJob } from "../api/cancel_job.ts";
import { resolveJob } from "../store/resolve_job.ts";
import { clusterPollInfo } from "../store/cluster_polls.ts";
import { type DashboardSource, readLogTail, storeDashboardSource } from "../dashboard/source.ts";
import { readRemoteTail } from "./remote_logs.ts";
import type { CliContext } from "./context.ts";
import { refreshClusters } from "./refresh_clusters.ts";

/**
 * Refreshing goes through the budgeted reconcile pass (at most one scheduler query per
 * cluster per interval across all molq processes); errors come from the store, so a
 * failure seen by cron or another monitor shows here too.
 */
export function cliDashboardSource(ctx: CliContext, cluster?: string): DashboardSource {
  return storeDashboardSource(
    ctx.store,
    async () => {
      await refreshClusters(ctx, cluster ? { cluster } : undefined);
      const errors = clusterPollInfo(ctx.store)
        .filter((info) => info.host === null || info.host === Deno.hostname())
        .filter((info) => info.lastPollError !== null && (!cluster || info.name === cluster))
        .map((info) => ({ cluster: info.name, message: info.lastPollError! }));
      return { errors };
    },
    async (jobId) => {
      const record = resolveJob(ctx.store, jobId);
      const runtime = await ctx.cluster(record.cluster, record.scheduler);
      await cancelJob(ctx.store, runtime, record);
    },
    async (path, maxBytes, record) => {
      const runner = record &&
        (await ctx.cluster(record.cluster, record.scheduler)).scheduler.runner;
      if (!runner?.remote) return readLogTail(path, maxBytes);
      try {
        return await readRemoteTail(runner, path, maxBytes);
      } finally {
        await runner.close?.(); // the dashboard reads again in a moment: no idle session
      }
    },
  );
}

/** 128 + the signal's number, as shells report a process ended by a signal. */
export function signalExitCode(signal: Deno.Signal | undefined): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  return 128 + (signal ? numbers[signal] ?? 0 : 0);
}
