/**
 * The dashboards' data source for library scripts: a Submitor's store (or a store file)
 * with a runtime for every cluster that has active jobs, so a script's dashboard refreshes
 * and cancels exactly as `molq monitor` does.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import { JobStore } from "../store/job_store.ts";
import { defaultDbPath } from "../store/store_paths.ts";
import { clusterPollInfo } from "../store/cluster_polls.ts";
import { resolveJob } from "../store/resolve_job.ts";
import type { Cluster } from "../api/cluster.ts";
import { createCluster } from "../api/create_cluster.ts";
import { cancelJob } from "../api/cancel_job.ts";
import type { Submitor } from "../api/submitor.ts";
import { builtinConfig, findProfile, type MolqConfig } from "../config/config.ts";
import { clusterRuntimeSettings } from "../config/resolve.ts";
import { type DashboardSource, storeDashboardSource } from "./source.ts";

/** Where a library dashboard reads jobs from; without any, the default store. */
export interface LibrarySourceOptions {
  /** Its store, configuration and cluster (the usual choice in a script). */
  submitor?: Submitor;
  /** An open store, or the path of one; default MOLQ_DB or `~/.molq/jobs.db`. */
  store?: JobStore | string;
  /** Cluster profiles for refreshing other clusters' jobs; default the built-in config. */
  config?: MolqConfig;
  /** Refresh only this cluster. */
  cluster?: string;
}

/** A source and what to close when the dashboard ends (a store it opened itself). */
export interface LibrarySource {
  source: DashboardSource;
  close(): void;
}

export function openLibrarySource(options: LibrarySourceOptions): LibrarySource {
  const given = options.submitor?.store ??
    (options.store instanceof JobStore ? options.store : undefined);
  const store = given ?? JobStore.open((options.store as string | undefined) ?? defaultDbPath());
  const config = options.submitor?.config ?? options.config ?? builtinConfig();
  const clusters = new Map<string, Cluster>();
  if (options.submitor) clusters.set(options.submitor.cluster.name, options.submitor.cluster);
  const clusterFor = (name: string, scheduler: SchedulerKind): Cluster => {
    let cluster = clusters.get(name);
    if (!cluster) {
      const profile = findProfile(config, name);
      cluster = createCluster(store, clusterRuntimeSettings(config, { name, scheduler, profile }));
      clusters.set(name, cluster);
    }
    return cluster;
  };
  const source = storeDashboardSource(
    store,
    async () => {
      for (const [name, scheduler] of store.clustersWithActiveJobs()) {
        if (options.cluster === undefined || options.cluster === name) {
          await clusterFor(name, scheduler).refresh();
        }
      }
      const errors = clusterPollInfo(store)
        .filter((info) => info.lastPollError !== null)
        .filter((info) => options.cluster === undefined || info.name === options.cluster)
        .map((info) => ({ cluster: info.name, message: info.lastPollError! }));
      return { errors };
    },
    async (jobId) => {
      const record = resolveJob(store, jobId);
      await cancelJob(store, clusterFor(record.cluster, record.scheduler), record);
    },
  );
  return { source, close: () => given === undefined && store.close() };
}
