/** A usage record for tests: every figure unknown unless given. */
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";

export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

export function usageWith(figures: Partial<JobUsage>): JobUsage {
  return { ...emptyUsage(), ...figures };
}
