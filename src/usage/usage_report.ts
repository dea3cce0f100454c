/**
 * A summary of many jobs (a run, an array's tasks): counts by final state, min / median /
 * max of elapsed time, CPU efficiency and peak memory over the jobs that have the figure,
 * and the request to make next time. Pure: the CLI feeds it records and stored usage.
 */
import type { JobState } from "../core/job_state.ts";
import { cpuEfficiency, type JobUsage } from "../core/job_usage.ts";
import { type EndedJob, endedOutOfMemory } from "./usage_hint.ts";
import { memoryFlag, timeFlag } from "./usage_units.ts";

export interface ReportedJob extends EndedJob {
  usage: JobUsage | null;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
  /** How many jobs had the figure. */
  known: number;
}

export interface NextRequest {
  /** `--mem` to ask for, with why. */
  mem?: { flag: string; why: string };
  time?: { flag: string; why: string };
  cpus?: { value: number; why: string };
}

export interface UsageSummary {
  jobs: number;
  counts: Partial<Record<JobState, number>>;
  elapsedSeconds: Spread | null;
  cpuEfficiency: Spread | null;
  peakMemoryBytes: Spread | null;
  next: NextRequest;
}

/** Headroom above the largest measured peak or run time. */
const MEMORY_HEADROOM = 1.2;
const TIME_HEADROOM = 1.5;

export function summarizeUsage(jobs: readonly ReportedJob[]): UsageSummary {
  const counts: Partial<Record<JobState, number>> = {};
  for (const job of jobs) counts[job.state] = (counts[job.state] ?? 0) + 1;
  const figures = (pick: (usage: JobUsage) => number | null) =>
    jobs.map((job) => (job.usage ? pick(job.usage) : null)).filter((v): v is number => v !== null);
  const elapsed = figures((u) => u.elapsedSeconds);
  const efficiency = figures(cpuEfficiency);
  const peaks = figures((u) => u.peakMemoryBytes);
  return {
    jobs: jobs.length,
    counts,
    elapsedSeconds: spread(elapsed),
    cpuEfficiency: spread(efficiency),
    peakMemoryBytes: spread(peaks),
    next: nextRequest(jobs, peaks, elapsed),
  };
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, known: sorted.length };
}

function nextRequest(
  jobs: readonly ReportedJob[],
  peaks: readonly number[],
  elapsed: readonly number[],
): NextRequest {
  const next: NextRequest = {};
  const oom = jobs.filter(endedOutOfMemory);
  const oomRequests = oom.map((job) => job.usage?.memoryRequestBytes ?? null)
    .filter((v): v is number => v !== null);
  if (oomRequests.length > 0) {
    const largest = Math.max(...oomRequests);
    next.mem = {
      flag: memoryFlag(largest * 2),
      why: `${oom.length} ran out of memory at up to ${memoryFlag(largest)}: twice that`,
    };
  } else if (peaks.length > 0) {
    next.mem = {
      flag: memoryFlag(Math.max(...peaks) * MEMORY_HEADROOM),
      why: `the largest peak of ${peaks.length} jobs, plus 20 %`,
    };
  }
  const timedOut = jobs.filter((job) => job.state === "timed_out");
  const limits = timedOut.map((job) => job.usage?.timeLimitSeconds ?? null)
    .filter((v): v is number => v !== null);
  if (limits.length > 0) {
    const largest = Math.max(...limits);
    next.time = {
      flag: timeFlag(largest * 2),
      why: `${timedOut.length} hit a time limit of up to ${timeFlag(largest)}: twice that`,
    };
  } else if (elapsed.length > 0) {
    next.time = {
      flag: timeFlag(Math.max(...elapsed) * TIME_HEADROOM),
      why: `the longest of ${elapsed.length} runs, plus 50 %`,
    };
  }
  const busy = jobs.map((job) => {
    const u = job.usage;
    if (!u || u.cpus === null || u.cpuSeconds === null || !u.elapsedSeconds) return null;
    return u.cpuSeconds / u.elapsedSeconds;
  }).filter((v): v is number => v !== null);
  if (busy.length > 0) {
    next.cpus = {
      value: Math.max(1, Math.ceil(Math.max(...busy) * MEMORY_HEADROOM)),
      why: `the most CPUs any of ${busy.length} jobs kept busy on average, plus 20 %`,
    };
  }
  return next;
}
