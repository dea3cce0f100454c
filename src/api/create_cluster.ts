/** A cluster with every backend loaded, built synchronously (the library's Submitor). */
import type { JobStore } from "../store/job_store.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import { createScheduler } from "../schedulers/create_scheduler.ts";
import { RemoteRunner } from "../remote/remote_cluster.ts";
import { StoreConnectionLedger } from "../store/ssh_links.ts";
import { Cluster, type ClusterSettings } from "./cluster.ts";

/** `scheduler` replaces the backend the settings name (a test's, or a library user's). */
export function createCluster(
  store: JobStore,
  settings: ClusterSettings,
  scheduler?: Scheduler,
): Cluster {
  if (scheduler) return new Cluster(store, settings, scheduler);
  const runner = settings.remote && !settings.schedulerOptions?.runner
    ? new RemoteRunner(settings.name, settings.remote, new StoreConnectionLedger(store))
    : settings.schedulerOptions?.runner;
  return new Cluster(
    store,
    settings,
    createScheduler(settings.scheduler, { ...settings.schedulerOptions, runner }),
  );
}
