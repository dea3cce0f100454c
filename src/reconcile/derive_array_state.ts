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
