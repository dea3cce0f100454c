/** What a job used and its notification, in `--json` form: raw figures, sources, shares. */
import { averageCpusBusy, cpuEfficiency, memoryShare, timeShare } from "../core/job_usage.ts";
import type { StoredUsage } from "../store/usage_rows.ts";
import type { NotificationRow } from "../store/notification_claims.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (value: number | null) => (value === null ? null : Math.round(value * 1e4) / 1e4);

/** Null when the job has no usage row (it never reached a scheduler, or it is running). */
export function usageToJson(stored: StoredUsage | undefined): Record<string, unknown> | null {
  if (!stored) return null;
  const usage = stored.usage;
  return {
    settled: stored.settledAt !== null,
    settled_at: iso(stored.settledAt),
    reads: stored.reads,
    elapsed_seconds: usage?.elapsedSeconds ?? null,
    cpu_seconds: usage?.cpuSeconds ?? null,
    cpus: usage?.cpus ?? null,
    peak_memory_bytes: usage?.peakMemoryBytes ?? null,
    memory_sampled: usage?.memorySampled ?? false,
    memory_request_bytes: usage?.memoryRequestBytes ?? null,
    time_limit_seconds: usage?.timeLimitSeconds ?? null,
    cpu_efficiency: usage ? round(cpuEfficiency(usage)) : null,
    cpus_busy: usage ? round(averageCpusBusy(usage)) : null,
    memory_share: usage ? round(memoryShare(usage)) : null,
    time_share: usage ? round(timeShare(usage)) : null,
    sources: {
      elapsed: usage?.sources.elapsed ?? null,
      cpu: usage?.sources.cpu ?? null,
      cpus: usage?.sources.cpus ?? null,
      memory: usage?.sources.memory ?? null,
      memory_request: usage?.sources.memoryRequest ?? null,
      time_limit: usage?.sources.timeLimit ?? null,
    },
  };
}

export function notificationToJson(
  row: NotificationRow | undefined,
): Record<string, unknown> | null {
  if (!row) return null;
  return {
    state: row.state,
    status: row.status,
    attempts: row.attempts,
    claimed_at: iso(row.claimedAt),
    claimed_by: row.claimedBy,
    last_attempt_at: iso(row.lastAttemptAt),
    next_attempt_at: iso(row.nextAttemptAt),
    done_at: iso(row.doneAt),
    error: row.error,
  };
}
