/** Runs the shared, budgeted reconcile pass for some clusters. */
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import type { PassOptions, PassResult } from "../reconcile/job_reconciler.ts";
import { clusterPollInfo } from "../store/cluster_polls.ts";
import type { CliContext } from "./context.ts";

/** Whose clusters to refresh: these records', one named cluster's, or (undefined) every active one. */
export type ClusterSelection = readonly JobRecord[] | { cluster: string };

/**
 * One pass per selected cluster, all at once: a slow or unreachable cluster (a scheduler
 * timing out, a remote link down) never holds up the others. A named cluster without jobs
 * has nothing to refresh. For records, a local cluster's pass covers just them. The
 * caller's `whileWaiting` runs once, while the first pass to query waits for its answer.
 */
export async function refreshClusters(
  ctx: CliContext,
  selection?: ClusterSelection,
  { force, whileWaiting }: PassOptions = {},
): Promise<PassResult[]> {
  const clusters = [...selectedClusters(ctx, selection)];
  let waited = false;
  const once = () => {
    if (waited) return;
    waited = true;
    whileWaiting?.();
  };
  const options: PassOptions = { force, whileWaiting: whileWaiting && once };
  // Some jobs: a pass over just those where that is cheaper (a local cluster's).
  const jobIds = (name: string) =>
    Array.isArray(selection)
      ? (selection as readonly JobRecord[]).filter((r) => r.cluster === name).map((r) => r.jobId)
      : null;
  return await Promise.all(
    clusters.map(async ([name, kind]) => {
      const cluster = await ctx.cluster(name, kind);
      const only = jobIds(name);
      return only ? cluster.refreshJobs(only, options) : cluster.refresh(options);
    }),
  );
}

/**
 * Refreshes before showing jobs: a cluster that could not be asked (by this pass, or by
 * the recent one that made this pass skip it) gets one warning on stderr, and its jobs
 * are shown as last recorded; the command still succeeds.
 */
export async function refreshBeforeShowing(
  ctx: CliContext,
  selection?: ClusterSelection,
  options: Pick<PassOptions, "whileWaiting"> = {},
): Promise<void> {
  const results = await refreshClusters(ctx, selection, options);
  const skippedFailures = results.some((r) => r.skipped) ? recentPollErrors(ctx) : new Map();
  for (const result of results) {
    const error = result.error ?? (result.skipped ? skippedFailures.get(result.cluster) : null);
    if (!error) continue;
    console.error(
      `molq: Refresh of ${result.cluster} failed: ${error}; its jobs are shown as last recorded.`,
    );
  }
}

/** The last poll error of each cluster (this host's, for a local one) still on record. */
function recentPollErrors(ctx: CliContext): Map<string, string> {
  const here = Deno.hostname();
  return new Map(
    clusterPollInfo(ctx.store)
      .filter((info) => info.lastPollError !== null && (info.host ?? here) === here)
      .map((info) => [info.name, info.lastPollError!]),
  );
}

function selectedClusters(
  ctx: CliContext,
  selection?: ClusterSelection,
): Map<string, SchedulerKind> {
  if (selection === undefined) return ctx.store.clustersWithActiveJobs();
  if ("cluster" in selection) {
    const kind = ctx.store.clusterScheduler(selection.cluster);
    return new Map(kind ? [[selection.cluster, kind]] : []);
  }
  return new Map(selection.map((record) => [record.cluster, record.scheduler]));
}
