/**
 * One concrete suggestion for the next run, when the figures make one: what to raise after
 * an out-of-memory kill or a time-out, what to lower when a successful job used far less
 * than it asked for. Thresholds are those HPC users know from Princeton's `jobstats`.
 */
import type { JobState } from "../core/job_state.ts";
import {
  averageCpusBusy,
  cpuEfficiency,
  type JobUsage,
  memoryShare,
  timeShare,
} from "../core/job_usage.ts";
import { formatSeconds, formatSize, memoryFlag, timeFlag } from "./usage_units.ts";

/** Memory used under this share of the request is waste (jobstats). */
export const MEMORY_WASTE_SHARE = 0.7;
/** CPU efficiency below this is poor (jobstats shows it red; under 80 % is worth a note). */
export const CPU_POOR_EFFICIENCY = 0.65;
/** A job that used under this share of its time limit should ask for less. */
export const TIME_SHORT_SHARE = 0.1;
/** Jobs below this share of their memory or CPU are marked in the dashboard's table. */
export const LOW_USE_SHARE = 0.25;
/** Headroom above a measured peak or run time in a suggestion. */
const HEADROOM = 1.2;

export interface EndedJob {
  state: JobState;
  failureReason: string | null;
}

/** Whether the job was killed for its memory (SLURM OUT_OF_MEMORY, PBS/LSF limit kills). */
export function endedOutOfMemory(job: EndedJob): boolean {
  return job.state === "failed" && /out of memory|memory limit/i.test(job.failureReason ?? "");
}

/** The hint, or null when there is nothing useful to say. */
export function usageHint(job: EndedJob, usage: JobUsage | null): string | null {
  if (endedOutOfMemory(job)) return outOfMemoryHint(usage);
  if (job.state === "timed_out") return timeOutHint(usage);
  if (job.state !== "succeeded" || usage === null) return null;
  return memoryHint(usage) ?? cpuHint(usage) ?? timeHint(usage);
}

function outOfMemoryHint(usage: JobUsage | null): string {
  const request = usage?.memoryRequestBytes ?? null;
  if (request !== null) {
    return `Ran out of memory at its ${
      formatSize(request)
    } request: ask for about twice as much (--mem ${memoryFlag(request * 2)}).`;
  }
  const peak = usage?.peakMemoryBytes ?? null;
  if (peak !== null) {
    return `Ran out of memory at about ${formatSize(peak)}: ask for more (--mem ${
      memoryFlag(peak * 2)
    }).`;
  }
  return "Ran out of memory: ask for more with --mem.";
}

function timeOutHint(usage: JobUsage | null): string {
  const limit = usage?.timeLimitSeconds ?? null;
  if (limit === null) return "Hit its time limit: ask for more with --time, or checkpoint.";
  return `Hit its ${formatSeconds(limit)} time limit: ask for more (--time ${
    timeFlag(limit * 2)
  }), or checkpoint and resume.`;
}

function memoryHint(usage: JobUsage): string | null {
  const share = memoryShare(usage);
  if (share === null || share >= MEMORY_WASTE_SHARE) return null;
  const suggested = memoryFlag(usage.peakMemoryBytes! * HEADROOM);
  return `Peak ${formatSize(usage.peakMemoryBytes!)} of ${
    formatSize(usage.memoryRequestBytes!)
  } requested: --mem ${suggested} would do.`;
}

function cpuHint(usage: JobUsage): string | null {
  const efficiency = cpuEfficiency(usage);
  if (efficiency === null || efficiency >= CPU_POOR_EFFICIENCY || usage.cpus! < 2) return null;
  const busy = averageCpusBusy(usage)!;
  const suggested = Math.max(1, Math.ceil(busy * HEADROOM));
  if (suggested >= usage.cpus!) return null;
  return `Kept ${
    busy.toFixed(1)
  } of ${usage.cpus} CPUs busy on average: --cpus ${suggested} would do.`;
}

function timeHint(usage: JobUsage): string | null {
  const share = timeShare(usage);
  if (share === null || share >= TIME_SHORT_SHARE || usage.timeLimitSeconds! < 600) return null;
  const suggested = timeFlag(Math.max(usage.elapsedSeconds! * 2, 60));
  return `Ran ${formatSeconds(usage.elapsedSeconds!)} of its ${
    formatSeconds(usage.timeLimitSeconds!)
  } limit: --time ${suggested} would do, and shorter jobs start sooner.`;
}

/** Used under LOW_USE_SHARE of its memory request or of its CPUs (the dashboard's mark). */
export function usedLittle(usage: JobUsage | null): boolean {
  if (usage === null) return false;
  const memory = memoryShare(usage);
  const cpu = cpuEfficiency(usage);
  return (memory !== null && memory < LOW_USE_SHARE) || (cpu !== null && cpu < LOW_USE_SHARE);
}

/**
 * A failed job that was killed (SIGKILL, no exit code of its own) and whose peak reached its
 * memory allocation was killed for its memory — what SLURM's OverMemoryKill and batch
 * systems' memory limits do without saying so in the job's state. Null when the figures do
 * not show that.
 */
export function memoryKillReason(
  job: EndedJob & { exitCode: number | null },
  usage: JobUsage | null,
): string | null {
  if (job.state !== "failed" || endedOutOfMemory(job) || usage === null) return null;
  const { peakMemoryBytes: peak, memoryRequestBytes: request } = usage;
  if (peak === null || request === null || peak < request) return null;
  const killed = (job.exitCode === null || job.exitCode === 137) &&
    /SIGKILL|signal 9\b|JobLaunchFailure/.test(job.failureReason ?? "");
  if (!killed) return null;
  return `Ran out of memory: its peak of ${formatSize(peak)} passed the ${
    formatSize(request)
  } it was given, and it was killed.`;
}
