/**
 * Figures the record itself knows, under what the scheduler measured: what was requested
 * (memory, time limit, CPUs) and the elapsed time between the recorded start and end.
 */
import type { JobRecord } from "../core/job_record.ts";
import { emptyUsage, type JobUsage, mergeUsage } from "../core/job_usage.ts";
import type { JobStore } from "../store/job_store.ts";
import { memoryKillReason } from "../usage/usage_hint.ts";

/** `usage` with the request's and the record's figures where it has none. */
export function withRecordFigures(usage: JobUsage, record: JobRecord): JobUsage {
  const own = emptyUsage();
  const resources = record.request.resources;
  if (resources.memoryBytes !== undefined) {
    own.memoryRequestBytes = resources.memoryBytes;
    own.sources.memoryRequest = "molq request (--mem)";
  }
  if (resources.timeLimitSeconds !== undefined) {
    own.timeLimitSeconds = resources.timeLimitSeconds;
    own.sources.timeLimit = "molq request (--time)";
  }
  if (resources.cpus !== undefined) {
    own.cpus = resources.cpus;
    own.sources.cpus = "molq request (--cpus)";
  }
  if (record.startedAt !== null && record.finishedAt !== null) {
    own.elapsedSeconds = Math.max(0, (record.finishedAt - record.startedAt) / 1000);
    own.sources.elapsed = "molq record (start and end times)";
  }
  return mergeUsage(usage, own);
}

/**
 * Once the figures show a failed job was killed for its memory (usage_hint.ts), its failure
 * reason says so: the state stays, the explanation gets better than "killed by SIGKILL".
 */
export function explainMemoryKill(store: JobStore, record: JobRecord, usage: JobUsage | null) {
  const reason = memoryKillReason(record, usage);
  if (reason) store.update(record.jobId, "failed", { failureReason: reason });
}
