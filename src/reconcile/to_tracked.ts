/** What a backend is told about a stored job. */
import type { TrackedJob } from "../schedulers/scheduler.ts";
import type { ActiveJob } from "../store/job_views.ts";

/**
 * What a backend is told about a record. A local record without a host (written before
 * molq recorded hosts) is taken to run on `legacyHost`, until a host finds it running.
 */
export function toTracked(record: ActiveJob, legacyHost: string | null = null): TrackedJob {
  const assumed = record.scheduler === "local" && record.host === null && legacyHost !== null;
  const hostname = record.host ?? (assumed ? legacyHost : null);
  return {
    host: hostname === null ? null : { hostname, bootId: record.bootId },
    hostAssumed: assumed,
    jobId: record.jobId,
    schedulerJobId: record.schedulerJobId!,
    jobDir: record.jobDir,
    state: record.state,
    submittedAt: record.submittedAt,
    timeLimitSeconds: record.timeLimitSeconds,
    arrayTaskId: record.arrayTaskId,
    array: record.arrayTaskId === null ? record.array : null,
    memoryRequestBytes: record.memoryBytes,
  };
}
