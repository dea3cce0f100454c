/**
 * A queued job its scheduler says can never start: SLURM keeps a job whose dependency
 * failed pending for ever (reason DependencyNeverSatisfied) unless told otherwise.
 */
import type { JobRecord } from "./job_record.ts";

/** The detail molq records for such a job. */
export const NEVER_STARTS_DETAIL = "DependencyNeverSatisfied: will never run";

/** Does the scheduler say this job can never start? */
export function neverStarts(record: Pick<JobRecord, "state" | "stateDetail">): boolean {
  return record.state === "queued" && record.stateDetail === NEVER_STARTS_DETAIL;
}
