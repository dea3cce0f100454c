/**
 * JobReconciler: one pass for a cluster loads its active records, asks the scheduler
 * about all of them in one batched query, and persists every change with compare-and-set.
 * Passes for a cluster never overlap across processes, and a pass is skipped when another
 * process polled the cluster less than the minimum interval ago.
 */
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal, type JobState } from "../core/job_state.ts";
import type { JobStore, RecordPatch } from "../store/job_store.ts";
import {
  ACTIVE_JOB_COLUMNS,
  type ActiveJob,
  activeJobFromArray,
  activeJobOf,
} from "../store/job_views.ts";
import {
  acquirePollLease,
  type LeaseHolder,
  peekPollLease,
  pollKey,
  releasePollLease,
  renewPollLease,
} from "../store/cluster_polls.ts";
import { LEGACY_LOCAL_HOST_KEY } from "../store/open_database.ts";
import type { Observation, Scheduler, StatusReport, TrackedJob } from "../schedulers/scheduler.ts";
import { toTracked } from "./to_tracked.ts";
import { deriveArrayRecord, hasTasks } from "./array_record.ts";
import { failInterruptedSubmissions } from "./interrupted_submissions.ts";
import { recordArrayTasks } from "./array_tasks.ts";
import { handOverDueRetries, recordRetry } from "./retries.ts";
import { holdsDependencies, releaseHeldJobs, withUpstream } from "./local_dependencies.ts";
import { recordUsage } from "../store/usage_rows.ts";
import { readUnsettledUsage } from "./usage_pass.ts";
import { explainMemoryKill, withRecordFigures } from "./usage_figures.ts";
import { kickNotifications } from "../notify/notifier.ts";
import { every } from "../core/timers.ts";

export interface ReconcileOptions {
  /** Skip the pass when the cluster was polled less than this long ago. */
  minIntervalMs: number;
  /** The longest a scheduler query may take; bounds the poll lease. */
  commandTimeoutMs: number;
  /** A job with no evidence anywhere becomes `lost` after this long and this many polls. */
  lostGraceMs?: number;
  lostMinPolls?: number;
  /** A `created` record with no scheduler id older than this was interrupted mid-submit. */
  submitGraceMs?: number;
}

/** A cluster's active jobs as one pass read them, and the store's change counter then. */
interface ActiveSet {
  version: string | null;
  active: ActiveJob[];
  tracked: ActiveJob[];
  jobs: TrackedJob[];
}

/** How one pass is asked for. */
export interface PassOptions {
  /** Ignore the minimum interval (never another process's lease). */
  force?: boolean;
  /**
   * Work of the caller's to do while the scheduler answers: run once, right after the
   * pass sent its query, and only by a pass that queries. It must not throw.
   */
  whileWaiting?: () => void;
}

/** What one reconcile pass did, or why it was skipped. */
export interface PassResult {
  cluster: string;
  /** `fresh`: polled recently by someone; `busy`: another process is polling now. */
  skipped: false | "fresh" | "busy";
  changed: number;
  commandCalls: number;
  error: string | null;
}

const ACTIVE: JobState[] = ["created", "submitted", "queued", "running"];
const DEFAULT_LOST_GRACE_MS = 120_000;
const DEFAULT_LOST_MIN_POLLS = 3;
/**
 * The poll lease lasts one minimum interval (at least this long) and is renewed while the
 * pass runs, so a crashed process blocks the others for at most that long.
 */
const MIN_LEASE_MS = 1_000;

/**
 * Syncs a cluster's stored jobs with its scheduler: loads the active records, asks the
 * scheduler about all of them in one batched query, and persists every change.
 */
export class JobReconciler {
  readonly #holder: LeaseHolder = {
    owner: crypto.randomUUID(),
    host: Deno.hostname(),
    pid: Deno.pid,
  };
  /** The clusters-table key of this pass's lease and budget (per host for local jobs here). */
  readonly #pollKey: string;
  #inFlight: Promise<PassResult> | null = null;
  #activeSet: ActiveSet | null = null;

  constructor(
    readonly store: JobStore,
    readonly cluster: string,
    readonly scheduler: Scheduler,
    readonly options: ReconcileOptions,
  ) {
    const host = scheduler.runner.remote ? null : this.#holder.host;
    this.#pollKey = pollKey(cluster, scheduler.kind, host);
  }

  /**
   * Runs one pass. Concurrent calls in this process share the pass under way (and only
   * the first one's `whileWaiting` runs).
   */
  reconcile(options: PassOptions = {}): Promise<PassResult> {
    this.#inFlight ??= this.#pass(options).finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /**
   * A pass over only `jobIds`, their array tasks and the jobs they wait for, for commands
   * about a few jobs: it costs what they cost, not what the cluster's other jobs do. Only
   * where no scheduler is spared by batching (local jobs); any other cluster gets its full
   * pass. It takes no lease and leaves the cluster's last poll as it was, so the next full
   * pass still comes when due; it is skipped while the cluster is fresh or polled now.
   */
  reconcileJobs(jobIds: readonly string[], options: PassOptions = {}): Promise<PassResult> {
    if (this.scheduler.kind !== "local" || this.#inFlight) return this.reconcile(options);
    return this.#pass(options, withUpstream(this.store, jobIds));
  }

  async #pass(
    { force = false, whileWaiting }: PassOptions,
    only?: readonly string[],
  ): Promise<PassResult> {
    const result: PassResult = {
      cluster: this.cluster,
      skipped: false,
      changed: 0,
      commandCalls: 0,
      error: null,
    };
    const leaseMs = Math.max(this.options.minIntervalMs, MIN_LEASE_MS);
    const budget = { minIntervalMs: this.options.minIntervalMs, leaseMs, force };
    const decision = only
      ? peekPollLease(this.store, this.#pollKey, this.#holder, budget)
      : acquirePollLease(this.store, this.#pollKey, this.scheduler.kind, this.#holder, budget);
    if (decision !== "acquired") {
      // Delivering notifications costs the scheduler nothing: never wait for a pass.
      kickNotifications(this.store, { cluster: this.cluster });
      return { ...result, skipped: decision };
    }
    const heartbeat = only ? undefined : every(leaseMs / 3, () => {
      try {
        renewPollLease(this.store, this.#pollKey, this.#holder.owner, leaseMs);
      } catch {
        // A busy store: the next beat tries again.
      }
    });
    try {
      const legacyHost = this.#legacyLocalHost();
      const { active, tracked, jobs } = this.#activeJobs(legacyHost, only);
      result.changed += await failInterruptedSubmissions(
        this.store,
        this.scheduler.runner,
        active,
        {
          submitGraceMs: this.options.submitGraceMs ?? this.options.commandTimeoutMs + 30_000,
          lostGraceMs: this.options.lostGraceMs ?? DEFAULT_LOST_GRACE_MS,
          commandTimeoutMs: this.options.commandTimeoutMs,
        },
      );
      if (tracked.length > 0) {
        const answer = this.scheduler.status(jobs).catch((error) => {
          result.commandCalls = 1; // a failed query still cost the scheduler a call
          throw error;
        });
        whileWaiting?.();
        const report = await answer;
        result.commandCalls = report.commandCalls;
        result.changed += this.store.write(() => this.#apply(tracked, report));
      }
      await this.#readUsage(result, legacyHost); // figures, not states: not counted as changes
      result.changed += await this.#startDueJobs();
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
    } finally {
      heartbeat?.cancel();
      // One session per pass: the next pass (maybe in another process) opens its own.
      await this.scheduler.runner.close?.().catch(() => {});
      if (!only) {
        releasePollLease(this.store, this.#pollKey, this.#holder.owner, {
          error: result.error,
          commandCalls: result.commandCalls,
        });
      }
      // In the background: a slow notify command never holds up the pass.
      kickNotifications(this.store, { cluster: this.cluster });
    }
    return result;
  }

  /**
   * The cluster's active jobs, what is tracked of them and what the backend is told. A
   * long-lived process (the dashboard, the daemon) reuses the last pass's while no job
   * changed anywhere (the store's change counter, kept by triggers, says so).
   */
  #activeJobs(legacyHost: string | null, only?: readonly string[]): ActiveSet {
    const version = only ? null : `${this.store.changeVersion()}:${legacyHost}`;
    if (version !== null && this.#activeSet?.version === version) return this.#activeSet;
    const scope = only ? { jobIds: only, withTasks: true } : {};
    const active = this.store.selectArrays(
      { cluster: this.cluster, states: ACTIVE, ...scope, unordered: true },
      ACTIVE_JOB_COLUMNS,
      activeJobFromArray,
    );
    const tracked = active.filter((r) => r.schedulerJobId !== null && r.state !== "created");
    const jobs = tracked.map((record) => toTracked(record, legacyHost));
    const set = { version, active, tracked, jobs };
    if (version !== null) this.#activeSet = set;
    return set;
  }

  /**
   * What finished jobs used, re-read until it settles (usage_pass.ts). A failing query
   * is reported with the pass; it changes no job.
   */
  async #readUsage(result: PassResult, legacyHost: string | null): Promise<void> {
    try {
      const step = await readUnsettledUsage(
        this.store,
        this.cluster,
        this.scheduler,
        (record) => toTracked(activeJobOf(record), legacyHost),
        Date.now(),
      );
      result.commandCalls += step.commandCalls;
    } catch (error) {
      result.commandCalls++;
      const why = error instanceof Error ? error.message : String(error);
      result.error ??= `Cannot read what finished jobs used: ${why}`;
    }
  }

  // --- molq's own scheduling (retries.ts, local_dependencies.ts) ---

  /** Retries whose backoff is over, and held local jobs whose dependencies now allow them. */
  async #startDueJobs(): Promise<number> {
    let changed = await handOverDueRetries(this.store, this.cluster, this.scheduler, Date.now());
    if (holdsDependencies(this.scheduler)) {
      changed += await releaseHeldJobs(this.store, this.cluster, this.scheduler);
    }
    return changed;
  }

  /** An attempt that just ended may get its next one, in the same transaction. */
  #afterEnd(ended: JobRecord, now: number): number {
    return recordRetry(this.store, this.scheduler, ended, now) ? 1 : 0;
  }

  // ---

  /** The host that judges local records from before hosts were recorded (see open_database). */
  #legacyLocalHost(): string | null {
    if (this.scheduler.kind !== "local") return null;
    const row = this.store.prepare("SELECT value FROM store_meta WHERE key = ?").get(
      LEGACY_LOCAL_HOST_KEY,
    );
    return (row?.value ?? null) as string | null;
  }

  #apply(tracked: ActiveJob[], report: StatusReport): number {
    const now = Date.now();
    let changed = recordArrayTasks(this.store, tracked, report.newArrayTasks, now);
    for (const record of tracked) {
      // Another host's local job: only that host can judge it; write nothing about it.
      if (report.elsewhere?.has(record.jobId)) continue;
      if (record.arrayJobId === null && record.array && hasTasks(this.store, record.jobId)) {
        continue; // an array's state comes from its tasks, below
      }
      const observation = report.observations.get(record.jobId);
      changed += observation ? this.#observe(record, observation, now) : this.#missing(record, now);
    }
    for (const array of tracked.filter((r) => r.array && !r.arrayJobId)) {
      changed += deriveArrayRecord(this.store, array.jobId, now);
    }
    return changed;
  }

  #observe(record: ActiveJob, observation: Observation, now: number): number {
    // Nothing new about a job is the common case: no write, and no patch built, for it.
    if (observation.state === record.state && nothingNew(record, observation)) return 0;
    const patch: RecordPatch = {
      lastPolled: now,
      missingSince: null,
      missingPolls: 0,
      stateDetail: observation.detail ?? null,
    };
    // Another host's clock (a compute node's, a cluster's) may run behind ours: a job is
    // never shown starting before molq handed it over.
    if (observation.startedAt) {
      patch.startedAt = Math.max(observation.startedAt, record.submittedAt ?? -Infinity);
    }
    if (observation.host) {
      patch.host = observation.host.hostname;
      patch.bootId = observation.host.bootId;
    }
    if (observation.state === record.state) {
      const changes = changedFields(record, patch);
      if (changes) this.store.update(record.jobId, record.state, { ...changes, lastPolled: now });
      return 0;
    }
    if (isTerminal(observation.state)) {
      patch.exitCode = observation.exitCode ?? null;
      patch.failureReason = observation.failureReason ?? null;
      patch.startedAt ??= record.startedAt ?? null;
      // Never an end before the (clamped) start: schedulers report whole seconds.
      patch.finishedAt = Math.max(observation.finishedAt ?? now, patch.startedAt ?? -Infinity);
    } else if (observation.state === "running" && !patch.startedAt && !record.startedAt) {
      patch.startedAt = now;
    }
    const reason = observation.failureReason ?? observation.detail ?? null;
    if (this.store.transition(record.jobId, record.state, observation.state, patch, reason, now)) {
      if (!isTerminal(observation.state)) return 1;
      // The whole record only now: the pass reads no JSON of the jobs that go on running.
      const ended = this.store.get(record.jobId)!;
      if (observation.usage) {
        // Figures that came with the final answer are all this backend will ever say.
        const usage = withRecordFigures(observation.usage, ended);
        recordUsage(this.store, record.jobId, usage, { settled: true, now });
        explainMemoryKill(this.store, ended, usage);
      }
      return 1 + this.#afterEnd(ended, now);
    }
    this.store.update(record.jobId, record.state, { lastPolled: now });
    return 0;
  }

  #missing(record: ActiveJob, now: number): number {
    const missingSince = record.missingSince ?? now;
    const missingPolls = record.missingPolls + 1;
    const graceMs = this.options.lostGraceMs ?? DEFAULT_LOST_GRACE_MS;
    const minPolls = this.options.lostMinPolls ?? DEFAULT_LOST_MIN_POLLS;
    if (missingPolls >= minPolls && now - missingSince >= graceMs) {
      const minutes = Math.round((now - missingSince) / 60_000);
      const reason =
        `The scheduler, its accounting and the job's own files have not known this job for ${missingPolls} polls (${minutes} min).`;
      const patch: RecordPatch = { lastPolled: now, finishedAt: now, failureReason: reason };
      return this.store.transition(record.jobId, record.state, "lost", patch, reason, now) ? 1 : 0;
    }
    this.store.update(record.jobId, record.state, { lastPolled: now, missingSince, missingPolls });
    return 0;
  }
}

/** Whether a same-state observation says nothing the record does not hold already. */
function nothingNew(record: ActiveJob, observation: Observation): boolean {
  const host = observation.host;
  return record.missingSince === null && record.missingPolls === 0 &&
    (observation.detail ?? null) === record.stateDetail &&
    (!observation.startedAt ||
      Math.max(observation.startedAt, record.submittedAt ?? -Infinity) === record.startedAt) &&
    (!host || (host.hostname === record.host && host.bootId === record.bootId));
}

/** The fields of `patch` that differ from `record` (`lastPolled` aside), or null. */
function changedFields(record: ActiveJob, patch: RecordPatch): RecordPatch | null {
  const changes: RecordPatch = {};
  let any = false;
  for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
    if (key === "lastPolled" || value === undefined) continue;
    if ((record as Partial<Record<keyof RecordPatch, unknown>>)[key] === value) continue;
    (changes as Record<string, unknown>)[key] = value;
    any = true;
  }
  return any ? changes : null;
}
