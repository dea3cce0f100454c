/**
 * A cluster as molq runs it: its name, its backend and its reconciler settings.
 * `openCluster` imports only the backend (and the SSH code) a cluster needs, for the CLI;
 * `createCluster` (create_cluster.ts) builds one with every backend loaded, for the library.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import { UsageError } from "../core/errors.ts";
import { parseDurationSeconds } from "../core/duration.ts";
import type { JobStore } from "../store/job_store.ts";
import type { SchedulerOptions } from "../schedulers/create_scheduler.ts";
import { loadScheduler } from "../schedulers/load_scheduler.ts";
import { DEFAULT_COMMAND_TIMEOUT_MS, minPollIntervalMs } from "../schedulers/poll_interval.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import type { JobReconciler, PassOptions, PassResult } from "../reconcile/job_reconciler.ts";
import type { RemoteClusterSettings, RemoteRunner } from "../remote/remote_cluster.ts";
import type { Runner } from "../process/runner.ts";

/** A cluster's name, scheduler kind and reconciler settings. */
export interface ClusterSettings {
  name: string;
  scheduler: SchedulerKind;
  schedulerOptions?: SchedulerOptions;
  /** Where job directories go; default `<cwd>/.molq/jobs` (remote: `~/.molq/jobs` there). */
  jobsDir?: string;
  minPollIntervalMs?: number;
  /** A cluster reached over SSH: its commands and job files are there. */
  remote?: RemoteClusterSettings;
}

/**
 * A cluster as molq runs it: its backend and its reconciler. The reconciler (and what it
 * needs) is imported at the first pass, so a submission never loads it.
 */
export class Cluster {
  readonly scheduler: Scheduler;
  #reconciler: Promise<JobReconciler> | null = null;

  /** `scheduler`: the cluster's backend, built with its runner (see createCluster). */
  constructor(readonly store: JobStore, readonly settings: ClusterSettings, scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  /** The cluster's reconciler, made at first use with the settings' intervals and graces. */
  reconciler(): Promise<JobReconciler> {
    this.#reconciler ??= import("../reconcile/job_reconciler.ts").then(({ JobReconciler }) =>
      new JobReconciler(this.store, this.settings.name, this.scheduler, {
        minIntervalMs: minPollIntervalMs(this.settings.scheduler, this.settings.minPollIntervalMs),
        commandTimeoutMs: this.settings.schedulerOptions?.commandTimeoutMs ??
          DEFAULT_COMMAND_TIMEOUT_MS,
        submitGraceMs: graceFromEnv("MOLQ_SUBMIT_GRACE"),
        lostGraceMs: graceFromEnv("MOLQ_LOST_GRACE"),
      })
    );
    return this.#reconciler;
  }

  get name(): string {
    return this.settings.name;
  }

  /** The SSH side of a remote cluster (connect, disconnect, link state); null when local. */
  get remote(): RemoteRunner | null {
    const runner = this.scheduler.runner as Runner & Partial<RemoteRunner>;
    return runner.remote && typeof runner.linkState === "function" ? runner as RemoteRunner : null;
  }

  /** Ends any session the cluster's runner holds (the master connection stays up). */
  async close(): Promise<void> {
    await this.scheduler.runner.close?.();
  }

  /** Whether this cluster made its reconciler (a pass, and the deliveries it kicks, may run). */
  get reconciling(): boolean {
    return this.#reconciler !== null;
  }

  /** One reconcile pass, skipped when this cluster was polled recently by anyone. */
  async refresh(options: PassOptions = {}): Promise<PassResult> {
    return await (await this.reconciler()).reconcile(options);
  }

  /** A pass for some of its jobs: only those where that is cheaper (local), else `refresh`. */
  async refreshJobs(
    jobIds: readonly string[],
    options: PassOptions = {},
  ): Promise<PassResult> {
    return await (await this.reconciler()).reconcileJobs(jobIds, options);
  }
}

/**
 * Overrides of the reconciler's graces (e.g. `MOLQ_LOST_GRACE=5s`), for tests and for
 * sites whose jobs' files show up late: how long a `created` record may wait for its
 * scheduler id, and how long a job may lack all evidence before it is `lost`.
 */
function graceFromEnv(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return parseDurationSeconds(text) * 1000;
  } catch {
    throw new UsageError(`Invalid ${name} "${text}": expected a duration such as 30s or 2m.`);
  }
}

/** A cluster, importing only the backend it uses (and the SSH code if it is remote). */
export async function openCluster(store: JobStore, settings: ClusterSettings): Promise<Cluster> {
  let runner = settings.schedulerOptions?.runner;
  if (settings.remote && !runner) {
    const { RemoteRunner } = await import("../remote/remote_cluster.ts");
    const { StoreConnectionLedger } = await import("../store/ssh_links.ts");
    runner = new RemoteRunner(settings.name, settings.remote, new StoreConnectionLedger(store));
  }
  const scheduler = await loadScheduler(settings.scheduler, {
    ...settings.schedulerOptions,
    runner,
  });
  return new Cluster(store, settings, scheduler);
}
