/**
 * The one-line summary of what a job used: CPU time and efficiency, memory peak against
 * the request, elapsed against the limit; "unknown" where nobody measured a figure.
 */
import {
  averageCpusBusy,
  cpuEfficiency,
  type JobUsage,
  memoryShare,
  timeShare,
} from "../core/job_usage.ts";
import { formatSeconds, formatShare, formatSize } from "./usage_units.ts";

/** `cpu 2.1s (52% of 4s × 1 CPU) · memory 214.7 MiB peak (54% of 400 MiB) · elapsed 4s`. */
export function formatUsageLine(usage: JobUsage): string {
  return [cpuPart(usage), memoryPart(usage), elapsedPart(usage)].join(" · ");
}

function cpuPart(usage: JobUsage): string {
  if (usage.cpuSeconds === null) return "cpu unknown";
  const cpu = `cpu ${formatSeconds(usage.cpuSeconds)}`;
  const efficiency = cpuEfficiency(usage);
  if (efficiency !== null) {
    const cpus = `${usage.cpus} CPU${usage.cpus === 1 ? "" : "s"}`;
    return `${cpu} (${formatShare(efficiency)} of ${
      formatSeconds(usage.elapsedSeconds!)
    } × ${cpus})`;
  }
  const busy = averageCpusBusy(usage);
  return busy === null ? cpu : `${cpu} (${busy.toFixed(1)} CPUs busy on average)`;
}

function memoryPart(usage: JobUsage): string {
  if (usage.peakMemoryBytes === null) {
    return usage.memoryRequestBytes === null
      ? "memory unknown"
      : `memory unknown of ${formatSize(usage.memoryRequestBytes)}`;
  }
  const peak = `memory ${formatSize(usage.peakMemoryBytes)} peak${
    usage.memorySampled ? " (sampled)" : ""
  }`;
  const share = memoryShare(usage);
  return share === null
    ? peak
    : `${peak}, ${formatShare(share)} of ${formatSize(usage.memoryRequestBytes!)}`;
}

function elapsedPart(usage: JobUsage): string {
  if (usage.elapsedSeconds === null) return "elapsed unknown";
  const elapsed = `elapsed ${formatSeconds(usage.elapsedSeconds)}`;
  const share = timeShare(usage);
  return share === null
    ? elapsed
    : `${elapsed}, ${formatShare(share)} of ${formatSeconds(usage.timeLimitSeconds!)} limit`;
}
