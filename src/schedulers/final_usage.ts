/** Attaches what a job used to an observation of its end (PBS, LSF: one answer tells both). */
import type { JobUsage } from "../core/job_usage.ts";
import { isTerminal } from "../core/job_state.ts";
import type { Observation } from "./scheduler.ts";

/** The observation, with `usage()` attached when it is final. */
export function withFinalUsage<T extends Observation | null>(
  observation: T,
  usage: () => JobUsage,
) {
  if (observation === null || !isTerminal(observation.state)) return observation;
  return { ...observation, usage: usage() };
}
