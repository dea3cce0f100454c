/**
 * Records left `created` without a scheduler id past a grace were interrupted mid-submit
 * (molq died between recording a job and learning its id): what the jobs wrote themselves,
 * read in one batched step where they run, tells how each one goes on.
 */
import type { JobState } from "../core/job_state.ts";
import type { JobStore, RecordPatch } from "../store/job_store.ts";
import type { ActiveJob } from "../store/job_views.ts";
import type { Runner } from "../process/runner.ts";
import { SCHEDULER_ID } from "../schedulers/job_files.ts";
import { gatherJobFiles, type JobFilesSnapshot } from "../schedulers/job_files_snapshot.ts";
import { describeExit } from "../schedulers/exit_status.ts";

export interface InterruptedGraces {
  /** A `created` record without an id older than this was interrupted. */
  submitGraceMs: number;
  /** A job that started but never wrote an exit code is `lost` after this long. */
  lostGraceMs: number;
  commandTimeoutMs: number;
}

/** Ends or resumes the interrupted submissions among `active`; returns how many changed. */
export async function failInterruptedSubmissions(
  store: JobStore,
  runner: Runner,
  active: readonly ActiveJob[],
  graces: InterruptedGraces,
): Promise<number> {
  const now = Date.now();
  const interrupted = active.filter((record) =>
    record.state === "created" && record.schedulerJobId === null &&
    record.notBefore === null && now - record.createdAt >= graces.submitGraceMs
  );
  if (interrupted.length === 0) return 0;
  const files = await gatherJobFiles(runner, interrupted.map((record) => record.jobDir), {
    timeoutMs: graces.commandTimeoutMs,
  });
  let changed = 0;
  for (const record of interrupted) {
    const ended = startedWithoutId(record, files, now, graces.lostGraceMs);
    if (ended === "wait") continue;
    const reason = "The submission was interrupted before the scheduler accepted the job.";
    const [state, patch, why] = ended ??
      ["failed" as const, { finishedAt: now, failureReason: reason }, reason];
    if (store.transition(record.jobId, "created", state, patch, why, now)) changed++;
  }
  return changed;
}

/**
 * molq may die after the scheduler started the job but before it wrote the job's id
 * down: then the job's own files tell how it ended (or that it may still be running).
 */
function startedWithoutId(
  record: ActiveJob,
  files: JobFilesSnapshot,
  now: number,
  lostGraceMs: number,
): [JobState, RecordPatch, string] | "wait" | null {
  // Batch arrays' tasks write their ids with a suffix; a local array's launcher writes its own.
  const schedulerJobId = files.text(record.jobDir, SCHEDULER_ID) || undefined;
  const evidence = files.evidence(record.jobDir);
  if (schedulerJobId !== undefined) {
    // The job wrote its own id: track it from the next pass like any submitted job.
    const why =
      `The submission was interrupted after the scheduler accepted it as ${schedulerJobId}.`;
    const patch: RecordPatch = { schedulerJobId, submittedAt: record.createdAt };
    if (evidence.host) {
      patch.host = evidence.host.hostname;
      patch.bootId = evidence.host.bootId;
    }
    return ["submitted", patch, why];
  }
  const why = "The submission was interrupted after the job started; its own files tell the rest.";
  if (evidence.exitCode !== undefined) {
    const code = evidence.exitCode;
    const state = evidence.timedOut ? "timed_out" : code === 0 ? "succeeded" : "failed";
    const patch: RecordPatch = {
      startedAt: evidence.startedAt ?? null,
      finishedAt: evidence.finishedAt ?? now,
      exitCode: code,
      failureReason: state === "succeeded" ? null : `${describeExit(code)} ${why}`,
    };
    return [state, patch, why];
  }
  if (evidence.startedAt === undefined) return null;
  // Started, no exit code yet, and no id to ask about: wait as long as for a lost job.
  if (now - evidence.startedAt < lostGraceMs) return "wait";
  const reason =
    "The submission was interrupted after the job started, and the job never recorded an exit code.";
  return [
    "lost",
    { startedAt: evidence.startedAt, finishedAt: now, failureReason: reason },
    reason,
  ];
}
