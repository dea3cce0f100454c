/**
 * What one evidence step of a host says about a local job (pure): running while its wrapper
 * runs in its directory (or its processes do), ended by its exit code or markers, failed
 * when its host restarted or its wrapper vanished without one, "elsewhere" on another host.
 */
import type { HostIdentity } from "../core/host_identity.ts";
import type { JobEvidence } from "./job_files.ts";
import type { JobFilesSnapshot } from "./job_files_snapshot.ts";
import type { Observation, TrackedJob } from "./scheduler.ts";
import { describeExit } from "./exit_status.ts";
import { wrapperUsage } from "./wrapper_usage.ts";

function wrapperRuns(job: TrackedJob, snapshot: JobFilesSnapshot): boolean {
  return snapshot.processes!.runsIn(Number(job.schedulerJobId), job.jobDir);
}

/**
 * What the snapshot of this host says about one job, or "elsewhere" when the job runs on
 * another host (then only that host may judge it).
 */
export function observeHere(
  job: TrackedJob,
  snapshot: JobFilesSnapshot,
): Observation | "elsewhere" | null {
  const here = snapshot.host;
  const evidence = snapshot.evidence(job.jobDir);
  const owner = job.host ?? evidence.host ?? null;
  const pid = Number(job.schedulerJobId);
  const processes = snapshot.processes!;
  const wrapperAlive = wrapperRuns(job, snapshot);
  if (owner && owner.hostname !== here.hostname) {
    // A record from before molq tracked hosts, found running here: it is ours after all.
    if (!(job.hostAssumed && wrapperAlive)) return "elsewhere";
    const running = observe(job, evidence, true, true);
    return running && { ...running, host: here };
  }
  if (evidence.exitCode === undefined && restarted(owner, here)) {
    const finishedAt = Date.now();
    const startedAt = evidence.startedAt ?? null;
    if (evidence.cancelled) {
      return { state: "cancelled", startedAt, finishedAt, failureReason: "Cancelled." };
    }
    return {
      state: "failed",
      startedAt,
      finishedAt,
      failureReason:
        `The host ${here.hostname} was restarted while the job ran, so it ended without an exit code.`,
    };
  }
  const observation = observe(job, evidence, wrapperAlive, processes.groupAlive(pid));
  if (observation && job.hostAssumed) observation.host = owner ?? here;
  return observation;
}

/** The boot id changed since the job started: its host was restarted. */
function restarted(owner: HostIdentity | null, here: HostIdentity): boolean {
  return owner?.bootId != null && here.bootId !== null && owner.bootId !== here.bootId;
}

function observe(
  job: TrackedJob,
  evidence: JobEvidence,
  wrapperAlive: boolean,
  groupAlive: boolean,
): Observation | null {
  const observation = observeState(job, evidence, wrapperAlive, groupAlive);
  if (observation && observation.state !== "running") observation.usage = wrapperUsage(evidence);
  return observation;
}

function observeState(
  job: TrackedJob,
  evidence: JobEvidence,
  wrapperAlive: boolean,
  groupAlive: boolean,
): Observation | null {
  const startedAt = evidence.startedAt ?? null;
  if (evidence.exitCode !== undefined || (!groupAlive && evidence.timedOut)) {
    const finishedAt = evidence.finishedAt ?? Date.now();
    const exitCode = evidence.exitCode ?? null;
    if (evidence.cancelled) {
      return { state: "cancelled", exitCode, startedAt, finishedAt, failureReason: "Cancelled." };
    }
    if (evidence.timedOut) {
      const limit = job.timeLimitSeconds === null ? "its" : `its ${job.timeLimitSeconds} s`;
      const failureReason = `Killed after exceeding ${limit} time limit.`;
      return { state: "timed_out", exitCode, startedAt, finishedAt, failureReason };
    }
    if (exitCode === 0) return { state: "succeeded", exitCode, startedAt, finishedAt };
    return {
      state: "failed",
      exitCode,
      startedAt,
      finishedAt,
      failureReason: describeExit(exitCode!),
    };
  }
  if (wrapperAlive || groupAlive) {
    const detail = wrapperAlive ? null : "wrapper gone; job processes still running";
    return { state: "running", startedAt, detail };
  }
  if (evidence.cancelled) {
    return { state: "cancelled", startedAt, finishedAt: Date.now(), failureReason: "Cancelled." };
  }
  if (startedAt !== null) {
    return {
      state: "failed",
      startedAt,
      finishedAt: Date.now(),
      failureReason:
        `The job's wrapper (pid ${job.schedulerJobId}) ended without recording an exit code; it was probably killed.`,
    };
  }
  return null; // no evidence at all: the reconciler decides about "lost"
}
