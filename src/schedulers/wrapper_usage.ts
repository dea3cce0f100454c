/**
 * What molq's own job wrapper measured: the CPU time of the command's processes (from the
 * shell's `times`), for local jobs their sampled memory peak, and the run time between the
 * start and end times it wrote. The fallback where a scheduler keeps no figures.
 */
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import type { JobEvidence } from "./job_files.ts";
import { MEMORY_SAMPLE_SECONDS } from "./job_script.ts";

export const WRAPPER_CPU_SOURCE = "molq wrapper (times of the command's processes)";
export const WRAPPER_MEMORY_SOURCE =
  `molq wrapper (RSS sum of the job's processes, sampled every ${MEMORY_SAMPLE_SECONDS} s)`;
export const WRAPPER_ELAPSED_SOURCE = "molq wrapper (start and end times)";

const TIMES_PART = String.raw`(\d+)m\s*(\d+(?:[.,]\d+)?)s`;
const TIMES_LINE = new RegExp(`^${TIMES_PART}\\s+${TIMES_PART}$`);

/** `0m5.002000s 0m0.004000s` (user, system; dash, bash, zsh, busybox forms) → seconds. */
export function parseTimesLine(text: string): number | null {
  const match = TIMES_LINE.exec(text.trim());
  if (!match) return null;
  const [, um, us, sm, ss] = match.map((part) => Number(part?.replace(",", ".")));
  return Math.round((um! * 60 + us! + sm! * 60 + ss!) * 1000) / 1000;
}

/** The figures in a job's evidence (unknown where the wrapper left none). */
export function wrapperUsage(evidence: JobEvidence): JobUsage {
  const usage = emptyUsage();
  if (evidence.cpuSeconds !== undefined) {
    usage.cpuSeconds = evidence.cpuSeconds;
    usage.sources.cpu = WRAPPER_CPU_SOURCE;
  }
  if (evidence.peakRssKib !== undefined) {
    usage.peakMemoryBytes = evidence.peakRssKib * 1024;
    usage.memorySampled = true;
    usage.sources.memory = WRAPPER_MEMORY_SOURCE;
  }
  if (evidence.startedAt !== undefined && evidence.finishedAt !== undefined) {
    usage.elapsedSeconds = Math.max(0, (evidence.finishedAt - evidence.startedAt) / 1000);
    usage.sources.elapsed = WRAPPER_ELAPSED_SOURCE;
  }
  return usage;
}
