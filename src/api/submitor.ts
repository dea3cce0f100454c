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
import { join } from "node:path";
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import { JobStore, type ListQuery } from "../store/job_store.ts";
import { defaultDbPath } from "../store/store_paths.ts";
import type { Scheduler } from "../schedulers/scheduler.ts";
import type { SchedulerOptions } from "../schedulers/create_scheduler.ts";
import type { PassResult } from "../reconcile/job_reconciler.ts";
import { JobMonitor, type WaitOptions } from "../monitor/job_monitor.ts";
import { Cluster } from "./cluster.ts";
import { buildJobRequest, type JobSpec } from "./job_spec.ts";
import { submitJob } from "./submit_job.ts";
import { resolveJob } from "./resolve_job.ts";
import { cancelJob } from "./cancel_job.ts";
import { JobHandle } from "./job_handle.ts";

export interface SubmitorOptions {
  /** The scheduler kind, or a ready backend. */
  scheduler: SchedulerKind | Scheduler;
  /** Cluster name; default the scheduler kind. */
  cluster?: string;
  /** An open store, or the path of one; default MOLQ_DB or `~/.molq/jobs.db`. */
  store?: JobStore | string;
  /** Default `<cwd>/.molq/jobs`. */
  jobsDir?: string;
  /** Directory relative paths are resolved against; default the process's. */
  cwd?: string;
  schedulerOptions?: SchedulerOptions;
  minPollIntervalMs?: number;
}

export class Submitor {
  readonly store: JobStore;
  readonly cluster: Cluster;
  readonly monitor: JobMonitor;
  readonly #cwd: string;
  readonly #jobsDir: string;

  constructor(options: SubmitorOptions) {
    this.store = options.store instanceof JobStore
      ? options.store
      : JobStore.open(options.store ?? defaultDbPath());
    const kind = typeof options.scheduler === "string" ? options.scheduler : options.scheduler.kind;
    this.#cwd = options.cwd ?? Deno.cwd();
    this.#jobsDir = options.jobsDir ?? join(this.#cwd, ".molq", "jobs");
    this.cluster = new Cluster(
      this.store,
      {
        name: options.cluster ?? kind,
        scheduler: kind,
        schedulerOptions: options.schedulerOptions,
        jobsDir: this.#jobsDir,
        minPollIntervalMs: options.minPollIntervalMs,
      },
      typeof options.scheduler === "string" ? undefined : options.scheduler,
    );
    this.monitor = new JobMonitor(this.store, () => this.refresh().then(() => undefined));
  }

  /** Records and submits a job. Throws UsageError for a bad spec, MolqError if the scheduler refuses. */
  async submit(spec: JobSpec): Promise<JobHandle> {
    const request = buildJobRequest(spec, this.#cwd);
    const record = await submitJob(
      {
        store: this.store,
        cluster: this.cluster.name,
        scheduler: this.cluster.scheduler,
        jobsDir: this.#jobsDir,
      },
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
    return cancelJob(this.store, this.cluster.scheduler, this.get(jobId));
  }

  /** Waits for all the jobs and returns their final records (latest attempts). */
  watch(jobIds: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
    const ids = jobIds.map((id) => this.get(id).jobId);
    return this.monitor.waitMany(ids, options);
  }

  close(): void {
    this.store.close();
  }
}
