/**
 * An array's own record, from its tasks' records: whether it has any, and the state and
 * outcome their states make (derive_array_state.ts), moved with compare-and-set.
 */
import type { JobState } from "../core/job_state.ts";
import { isTerminal } from "../core/job_state.ts";
import type { JobStore, RecordPatch } from "../store/job_store.ts";
import { deriveArrayState, describeArrayOutcome } from "./derive_array_state.ts";

/** Whether the array has task records yet (until then, its own state is the scheduler's). */
export function hasTasks(store: JobStore, arrayJobId: string): boolean {
  return store.prepare("SELECT 1 FROM jobs WHERE array_job_id = ? LIMIT 1").get(arrayJobId) !==
    undefined;
}

/** Moves an array's record to the state its tasks' states make; returns 1 if it moved. */
export function deriveArrayRecord(store: JobStore, arrayJobId: string, now: number): number {
  const tasks = store.prepare(
    "SELECT array_task_id, state, exit_code, started_at FROM jobs WHERE array_job_id = ?",
  ).all(arrayJobId).map((t) => ({
    taskId: String(t.array_task_id),
    state: t.state as JobState,
    exitCode: t.exit_code === null ? null : Number(t.exit_code),
    startedAt: t.started_at === null ? null : Number(t.started_at),
  }));
  const state = deriveArrayState(tasks.map((t) => t.state));
  const current = store.get(arrayJobId);
  if (!state || !current || state === current.state) return 0;
  const failedTasks = tasks.filter((t) => t.state !== "succeeded").length;
  const patch: RecordPatch = { lastPolled: now };
  if (isTerminal(state)) {
    patch.finishedAt = now;
    patch.exitCode = failedTasks === 0 ? 0 : null;
    if (state !== "succeeded") patch.failureReason = describeArrayOutcome(tasks);
  }
  if (state !== "queued" && !current.startedAt) {
    // The array started when its first task did.
    const starts = tasks.map((t) => t.startedAt).filter((t): t is number => t !== null);
    if (starts.length > 0) patch.startedAt = Math.min(...starts);
    else if (state === "running") patch.startedAt = now;
  }
  return store.transition(
      arrayJobId,
      current.state,
      state,
      patch,
      "derived from tasks",
      now,
    )
    ? 1
    : 0;
}
