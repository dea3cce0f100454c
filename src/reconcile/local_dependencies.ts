/**
 * Dependencies on the local scheduler, which has none of its own: molq holds a dependent
 * job as `queued` (no scheduler id yet, detail "waiting for 3f2a1b2c (afterok)") and the
 * next reconcile pass starts it once its upstream jobs allow. A dependency that can never
 * be satisfied ends the job as `cancelled` — it never ran, so nothing of it failed; this
 * is what SLURM does with `--kill-on-invalid-dep=yes` (instead of pending forever with
 * DependencyNeverSatisfied, which nobody would see on a local machine).
 * Grid Engine gets the same treatment: its `-hold_jid` waits for any end, so molq holds
 * the job and submits it once its dependencies allow; it then queues there.
 */
import type { HostIdentity } from "../core/host_identity.ts";
import type { JobRecord } from "../core/job_record.ts";
import type { Dependency } from "../core/job_request.ts";
import { isTerminal } from "../core/job_state.ts";
import type { JobStore } from "../store/job_store.ts";
import { localHostHere, type Scheduler, submitContextFor } from "../schedulers/scheduler.ts";
import { keptEnvironment } from "../schedulers/submit_environment.ts";

export type DependencyVerdict =
  | { kind: "satisfied" }
  | { kind: "waiting"; detail: string }
  | { kind: "never"; reason: string };

/** Whether molq itself holds dependent jobs for this scheduler. */
/**
 * `jobIds` and every job they wait for, directly or through others: a pass over some jobs
 * must also see their upstream jobs end, or a held one would never be released.
 */
export function withUpstream(store: JobStore, jobIds: readonly string[]): string[] {
  const rows = store.prepare(
    `WITH RECURSIVE up(id) AS (
       SELECT value FROM json_each(?)
       UNION SELECT d.upstream_job_id FROM dependencies d JOIN up ON d.job_id = up.id)
     SELECT id FROM up`,
  ).all(JSON.stringify(jobIds));
  return rows.map((row) => String(row.id));
}

export function holdsDependencies(scheduler: Pick<Scheduler, "kind">): boolean {
  return scheduler.kind === "local" || scheduler.kind === "sge";
}

/** Judges a job's dependencies by the latest attempt of each upstream lineage. */
export function checkDependencies(store: JobStore, record: JobRecord): DependencyVerdict {
  const waiting: string[] = [];
  for (const dependency of record.request.dependencies) {
    const first = store.get(dependency.jobId);
    const upstream = first && store.latestAttempt(first);
    const label = `${dependency.jobId.slice(0, 8)} (${dependency.kind})`;
    if (!upstream) {
      return {
        kind: "never",
        reason: `Dependency never satisfied: job ${label} no longer exists.`,
      };
    }
    const verdict = judge(dependency.kind, upstream);
    if (verdict === "never") {
      return {
        kind: "never",
        reason: `Dependency never satisfied: job ${label} ended ${upstream.state}.`,
      };
    }
    if (verdict === "waiting") waiting.push(label);
  }
  return waiting.length === 0
    ? { kind: "satisfied" }
    : { kind: "waiting", detail: `waiting for ${waiting.join(", ")}` };
}

function judge(kind: Dependency["kind"], upstream: JobRecord): "satisfied" | "waiting" | "never" {
  const ended = isTerminal(upstream.state);
  switch (kind) {
    case "after":
      return ended ? "satisfied" : "waiting";
    case "afterok":
      return !ended ? "waiting" : upstream.state === "succeeded" ? "satisfied" : "never";
    case "afternotok":
      return !ended ? "waiting" : upstream.state === "succeeded" ? "never" : "satisfied";
    case "afterstart":
      // Running or later; a job cancelled before it started counts too, as in SLURM.
      return ended || upstream.state === "running" ? "satisfied" : "waiting";
  }
}

/**
 * At submission: true when the just-recorded job may start now; otherwise it is moved to
 * `queued` (waiting) or `cancelled` (never satisfiable) and false is returned.
 */
export function holdForDependencies(store: JobStore, record: JobRecord): boolean {
  const verdict = checkDependencies(store, record);
  if (verdict.kind === "satisfied") return true;
  if (verdict.kind === "waiting") {
    store.transition(
      record.jobId,
      "created",
      "queued",
      { stateDetail: verdict.detail },
      verdict.detail,
    );
  } else endHeld(store, { ...record, state: "created" }, verdict.reason);
  return false;
}

/** Rounds per pass: a cancelled or started job can release or end its own dependents. */
const MAX_ROUNDS = 20;

/**
 * Part of a reconcile pass: starts the held jobs of `cluster` whose dependencies are now
 * satisfied and ends those that can never be. Returns how many records changed.
 */
export async function releaseHeldJobs(
  store: JobStore,
  cluster: string,
  scheduler: Scheduler,
): Promise<number> {
  let changed = 0;
  const here = localHostHere(scheduler);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const held = store.list({ cluster, states: ["queued"] }).filter((r) =>
      r.schedulerJobId === null && (here === null || r.host === null || r.host === here)
    );
    let changedThisRound = 0;
    for (const record of held) {
      const verdict = checkDependencies(store, record);
      if (verdict.kind === "waiting") {
        if (verdict.detail !== record.stateDetail) {
          store.update(record.jobId, "queued", { stateDetail: verdict.detail });
        }
      } else if (verdict.kind === "never") {
        if (endHeld(store, record, verdict.reason)) changedThisRound++;
      } else if (await startHeld(store, scheduler, record)) changedThisRound++;
    }
    changed += changedThisRound;
    if (changedThisRound === 0) break;
  }
  return changed;
}

function endHeld(store: JobStore, record: JobRecord, reason: string): boolean {
  const now = Date.now();
  const patch = { finishedAt: now, failureReason: reason, stateDetail: null };
  return store.transition(record.jobId, record.state, "cancelled", patch, reason, now);
}

async function startHeld(store: JobStore, scheduler: Scheduler, record: JobRecord) {
  let schedulerJobId: string;
  let host: HostIdentity | undefined;
  try {
    // With the environment its submission kept, not this process's.
    const environment = scheduler.runner.remote ? undefined : keptEnvironment(record.jobDir);
    ({ schedulerJobId, host } = await scheduler.submit(
      submitContextFor(record, [], environment),
    ));
  } catch (error) {
    const reason = `Submission failed: ${error instanceof Error ? error.message : String(error)}`;
    const patch = { failureReason: reason, finishedAt: Date.now(), stateDetail: null };
    return store.transition(record.jobId, "queued", "failed", patch, reason);
  }
  const now = Date.now();
  if (scheduler.kind !== "local") {
    // A batch scheduler queues it: the record stays queued, now with the scheduler's id.
    const queued = { schedulerJobId, submittedAt: now, stateDetail: null };
    if (store.update(record.jobId, "queued", queued)) return true;
  } else {
    const patch = {
      schedulerJobId,
      submittedAt: now,
      startedAt: now,
      stateDetail: null,
      // Where it runs: only that host may judge or signal it.
      ...(host ? { host: host.hostname, bootId: host.bootId } : {}),
    };
    const reason = `dependencies satisfied; started as ${schedulerJobId}`;
    if (store.transition(record.jobId, "queued", "running", patch, reason, now)) return true;
  }
  // Cancelled while it was starting: the job must not run unrecorded.
  await scheduler.cancel([{
    jobId: record.jobId,
    schedulerJobId,
    jobDir: record.jobDir,
    state: "running",
    submittedAt: now,
    timeLimitSeconds: record.request.resources.timeLimitSeconds ?? null,
    arrayTaskId: null,
  }]);
  return false;
}
