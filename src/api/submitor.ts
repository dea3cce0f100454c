/**
 * Submitor: the library's front door for one cluster. Submits jobs, refreshes them
 * through the shared, budgeted reconcile pass, looks them up, cancels and waits.
 *
 * ```ts
 * import { Submitor } from "./mod.ts";
 * const submitor = new Submitor({ scheduler: "local" });
 * const job = await submitor.submit({ argv: ["python", "train.py"] });
 * const record = await job.wait({ timeoutMs: 3_600_000 });
 * ```
 */
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import { JobStore, type ListQuery } from "../store/job_store.ts";
import { defaultDbPath } from "../store/store_paths.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import type { SchedulerOptions } from "../schedulers/create_scheduler.ts";
import type { PassResult } from "../reconcile/job_reconciler.ts";
import { JobMonitor, type WaitOptions } from "../monitor/job_monitor.ts";
import type { Cluster } from "./cluster.ts";
import { createCluster } from "./create_cluster.ts";
import { buildJobRequest, type JobSpec, notifyFlags, retryFlags } from "./job_spec.ts";
import { applyDefaults } from "./apply_defaults.ts";
import { builtinConfig, type MolqConfig } from "../config/config.ts";
import { loadConfig } from "../config/load_config.ts";
import { clusterRuntimeSettings, resolveCluster } from "../config/resolve.ts";
import { submitJob } from "../reconcile/submit_job.ts";
import { resolveJob } from "../store/resolve_job.ts";
import { cancelJob } from "./cancel_job.ts";
import { JobHandle } from "./job_handle.ts";

/** How a Submitor finds its cluster, configuration and store. */
export interface SubmitorOptions {
  /** The scheduler kind, or a ready backend; may be left out when `profile` names one. */
  scheduler?: SchedulerKind | Scheduler;
  /** Cluster name; default the scheduler kind. */
  cluster?: string;
  /** A cluster profile of `config` whose settings and submit defaults apply. */
  profile?: string;
  /** The configuration (see `Submitor.fromConfigFile` to read `~/.molq/config.toml`). */
  config?: MolqConfig;
  /** An open store, or the path of one; default MOLQ_DB or `~/.molq/jobs.db`. */
  store?: JobStore | string;
  /** Default: the profile's jobs_dir, else `<cwd>/.molq/jobs`. */
  jobsDir?: string;
  /** Directory relative paths are resolved against; default the process's. */
  cwd?: string;
  schedulerOptions?: SchedulerOptions;
  minPollIntervalMs?: number;
}

/**
 * The library's front door for one cluster: submit jobs, refresh them (`refresh()` runs one
 * budgeted reconcile pass), look them up, cancel them, and `watch` many until they end.
 */
export class Submitor {
  readonly store: JobStore;
  readonly cluster: Cluster;
  readonly monitor: JobMonitor;
  readonly config: MolqConfig;
  readonly #cwd: string;
  readonly #jobsDirFlag: string | undefined;

  /** Reads the config file (`configPath`, MOLQ_CONFIG, or ~/.molq/config.toml) first. */
  static async fromConfigFile(
    options: Omit<SubmitorOptions, "config"> & { configPath?: string },
  ): Promise<Submitor> {
    const config = await loadConfig({ configFlag: options.configPath });
    return new Submitor({ ...options, config });
  }

  constructor(options: SubmitorOptions) {
    this.config = options.config ?? builtinConfig();
    const given = options.scheduler;
    const target = resolveCluster(this.config, {
      clusterFlag: options.profile ?? options.cluster,
      schedulerPositional: typeof given === "object" ? given.kind : given,
    });
    this.store = options.store instanceof JobStore
      ? options.store
      : JobStore.open(options.store ?? defaultDbPath());
    this.#cwd = options.cwd ?? Deno.cwd();
    this.#jobsDirFlag = options.jobsDir;
    const settings = clusterRuntimeSettings(this.config, target);
    this.cluster = createCluster(
      this.store,
      {
        ...settings,
        schedulerOptions: { ...settings.schedulerOptions, ...options.schedulerOptions },
        minPollIntervalMs: options.minPollIntervalMs ?? settings.minPollIntervalMs,
      },
      typeof given === "object" ? given : undefined,
    );
    this.monitor = new JobMonitor(this.store, () => this.refresh().then(() => undefined));
  }

  /**
   * Records and submits a job, with the profile's defaults under the spec's own fields.
   * Throws UsageError for a bad spec, MolqError if the scheduler refuses.
   */
  async submit(spec: JobSpec): Promise<JobHandle> {
    const remoteHome = await this.cluster.scheduler.runner.homeDirectory?.();
    const { request, jobsDir } = applyDefaults(
      buildJobRequest(spec, this.#cwd, remoteHome ?? this.#cwd),
      this.config,
      this.cluster.name,
      {
        cwd: this.#cwd,
        jobsDirFlag: this.#jobsDirFlag,
        retry: retryFlags(spec),
        remoteHome,
        notify: notifyFlags(spec),
      },
    );
    const record = await submitJob(
      { store: this.store, cluster: this.cluster.name, scheduler: this.cluster.scheduler, jobsDir },
      request,
    );
    return new JobHandle(this, record.jobId);
  }

  /** One reconcile pass for this cluster (skipped if another process polled it just now). */
  refresh(options: { force?: boolean } = {}): Promise<PassResult> {
    return this.cluster.refresh(options);
  }

  /** The record of a job by id or unique prefix. */
  get(jobId: string): JobRecord {
    return resolveJob(this.store, jobId);
  }

  handle(jobId: string): JobHandle {
    return new JobHandle(this, this.get(jobId).jobId);
  }

  /** This cluster's records, newest first. */
  list(query: Omit<ListQuery, "cluster"> = {}): JobRecord[] {
    return this.store.list({ ...query, cluster: this.cluster.name });
  }

  cancel(jobId: string): Promise<JobRecord> {
    return cancelJob(this.store, this.cluster, this.get(jobId));
  }

  /** Waits for all the jobs and returns their final records (latest attempts). */
  watch(jobIds: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
    const ids = jobIds.map((id) => this.get(id).jobId);
    return this.monitor.waitMany(ids, options);
  }

  /** Ends a remote cluster's session (its master stays up) and closes the store. */
  close(): Promise<void> {
    const closing = this.cluster.close();
    this.store.close();
    return closing;
  }
}
