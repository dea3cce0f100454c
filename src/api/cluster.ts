/** A cluster as molq runs it: its name, its backend and its reconciler settings. */
import type { SchedulerKind } from "../core/job_record.ts";
import { UsageError } from "../core/errors.ts";
import { parseDurationSeconds } from "../core/duration.ts";
import type { JobStore } from "../store/job_store.ts";
import {
  createScheduler,
  DEFAULT_COMMAND_TIMEOUT_MS,
  minPollIntervalMs,
  type SchedulerOptions,
} from "../schedulers/create_scheduler.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import { JobReconciler, type PassResult } from "../reconcile/job_reconciler.ts";
import { type RemoteClusterSettings, RemoteRunner } from "../remote/remote_cluster.ts";
import { StoreConnectionLedger } from "../store/ssh_links.ts";

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

/** A cluster as molq runs it: its backend and its reconciler. */
export class Cluster {
  readonly scheduler: Scheduler;
  readonly reconciler: JobReconciler;

  constructor(readonly store: JobStore, readonly settings: ClusterSettings, scheduler?: Scheduler) {
    const runner = settings.remote && !settings.schedulerOptions?.runner
      ? new RemoteRunner(settings.name, settings.remote, new StoreConnectionLedger(store))
      : settings.schedulerOptions?.runner;
    this.scheduler = scheduler ??
      createScheduler(settings.scheduler, { ...settings.schedulerOptions, runner });
    const commandTimeoutMs = settings.schedulerOptions?.commandTimeoutMs ??
      DEFAULT_COMMAND_TIMEOUT_MS;
    this.reconciler = new JobReconciler(store, settings.name, this.scheduler, {
      minIntervalMs: minPollIntervalMs(settings.scheduler, settings.minPollIntervalMs),
      commandTimeoutMs,
      submitGraceMs: graceFromEnv("MOLQ_SUBMIT_GRACE"),
      lostGraceMs: graceFromEnv("MOLQ_LOST_GRACE"),
    });
  }

  get name(): string {
    return this.settings.name;
  }

  /** The SSH side of a remote cluster (connect, disconnect, link state); null when local. */
  get remote(): RemoteRunner | null {
    return this.scheduler.runner instanceof RemoteRunner ? this.scheduler.runner : null;
  }

  /** Ends any session the cluster's runner holds (the master connection stays up). */
  async close(): Promise<void> {
    await this.scheduler.runner.close?.();
  }

  /** One reconcile pass, skipped when this cluster was polled recently by anyone. */
  refresh(options: { force?: boolean } = {}): Promise<PassResult> {
    return this.reconciler.reconcile(options);
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
