/** What a job's own files say once its batch scheduler has forgotten it. */
import type { JobEvidence } from "./job_files.ts";
import type { Observation } from "./scheduler.ts";
import { describeExit } from "./exit_status.ts";

/**
 * The exit code the job wrote, or molq's cancel marker (an exit code of 0 still wins:
 * the job finished before the cancel reached it). Null when there is no evidence at
 * all: the reconciler then decides about `lost`.
 */
export function observeEvidence(scheduler: string, evidence: JobEvidence): Observation | null {
  const times = { startedAt: evidence.startedAt ?? null, finishedAt: evidence.finishedAt ?? null };
  const code = evidence.exitCode;
  if (code === 0) return { state: "succeeded", exitCode: 0, ...times };
  if (evidence.cancelled) {
    return {
      state: "cancelled",
      exitCode: code ?? null,
      failureReason: `Cancelled; ${scheduler} no longer lists the job.`,
      ...times,
      finishedAt: times.finishedAt ?? Date.now(),
    };
  }
  if (code === undefined) return null;
  return { state: "failed", exitCode: code, failureReason: describeExit(code), ...times };
}
