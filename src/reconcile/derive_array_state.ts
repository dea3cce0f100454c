/** An array job's state, derived from its tasks' states. */
import { isTerminal, type JobState } from "../core/job_state.ts";

export function deriveArrayState(taskStates: readonly JobState[]): JobState | null {
  if (taskStates.length === 0) return null;
  if (taskStates.every(isTerminal)) {
    if (taskStates.every((s) => s === "succeeded")) return "succeeded";
    if (taskStates.every((s) => s === "cancelled")) return "cancelled";
    if (taskStates.includes("failed") || taskStates.includes("lost")) return "failed";
    if (taskStates.includes("timed_out")) return "timed_out";
    return "cancelled";
  }
  if (taskStates.some((s) => s === "running" || isTerminal(s))) return "running";
  return "queued";
}

/** A task as the array's outcome names it. */
export interface TaskOutcome {
  taskId: string;
  state: JobState;
  exitCode: number | null;
}

const NAMED_TASKS = 5;

/**
 * Why an array did not succeed, naming its first tasks that did not:
 * `1 of 8 array tasks did not succeed: task 3 failed (exit code 3).`
 */
export function describeArrayOutcome(tasks: readonly TaskOutcome[]): string {
  const bad = tasks.filter((task) => task.state !== "succeeded")
    .sort((a, b) => Number(a.taskId) - Number(b.taskId) || a.taskId.localeCompare(b.taskId));
  const head = `${bad.length} of ${tasks.length} array tasks did not succeed`;
  if (bad.length === 0) return `${head}.`;
  const named = bad.slice(0, NAMED_TASKS).map((task) =>
    `task ${task.taskId} ${task.state}${
      task.state === "failed" && task.exitCode !== null ? ` (exit code ${task.exitCode})` : ""
    }`
  );
  const more = bad.length > NAMED_TASKS ? `, and ${bad.length - NAMED_TASKS} more` : "";
  return `${head}: ${named.join(", ")}${more}.`;
}
