/** Runs the shared, budgeted reconcile pass for the clusters behind some records. */
import type { JobRecord } from "../core/job_record.ts";
import type { PassResult } from "../reconcile/job_reconciler.ts";
import type { CliContext } from "./context.ts";

/** One pass per distinct cluster of `records` (or of every cluster with active jobs). */
export async function refreshClusters(
  ctx: CliContext,
  records?: readonly JobRecord[],
  options: { force?: boolean } = {},
): Promise<PassResult[]> {
  const clusters = new Map<string, JobRecord["scheduler"]>();
  if (records) {
    for (const record of records) clusters.set(record.cluster, record.scheduler);
  } else {
    for (const name of ctx.store.clustersWithActiveJobs()) {
      const [sample] = ctx.store.list({ cluster: name, limit: 1 });
      if (sample) clusters.set(name, sample.scheduler);
    }
  }
  const results: PassResult[] = [];
  for (const [name, kind] of clusters) {
    results.push(await (await ctx.cluster(name, kind)).refresh(options));
  }
  return results;
}
