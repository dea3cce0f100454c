/** Finds a job by its id or a unique prefix of it. */
import { UsageError } from "../core/errors.ts";
import type { JobRecord } from "../core/job_record.ts";
import type { JobStore } from "./job_store.ts";

export function resolveJob(store: JobStore, idOrPrefix: string, cluster?: string): JobRecord {
  const prefix = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f-]+$/.test(prefix)) {
    throw new UsageError(
      `Invalid job id "${idOrPrefix}": expected a molq job id or a prefix of one.`,
    );
  }
  const matches = store.findByPrefix(prefix, 11);
  if (matches.length === 0) {
    throw new UsageError(`Unknown job "${idOrPrefix}": no job id starts with it.`);
  }
  if (matches.length > 1) {
    const shown = matches.slice(0, 5).map((r) => r.jobId.slice(0, 12)).join(", ");
    throw new UsageError(
      `Ambiguous job id "${idOrPrefix}": it matches ${
        matches.length > 10 ? "more than 10" : matches.length
      } jobs (${shown}…).`,
      "Give more characters of the id.",
    );
  }
  const record = matches[0]!;
  if (cluster !== undefined && record.cluster !== cluster) {
    throw new UsageError(
      `Job "${idOrPrefix}" belongs to cluster "${record.cluster}", not "${cluster}".`,
    );
  }
  return record;
}
