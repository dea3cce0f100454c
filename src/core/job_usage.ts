/**
 * What a finished job used: raw figures, each with where it came from. A figure nobody
 * measured is null ("unknown"), never 0; derived shares are null whenever a part is.
 */

export type UsageFigure = "elapsed" | "cpu" | "cpus" | "memory" | "memoryRequest" | "timeLimit";

/** Where each figure came from, in a few words (`sacct TotalCPU`, `molq wrapper (times)`). */
export type UsageSources = Partial<Record<UsageFigure, string>>;

export interface JobUsage {
  elapsedSeconds: number | null;
  /** User + system CPU time of the job's processes. */
  cpuSeconds: number | null;
  /** CPUs allocated to the job; null where none were (local jobs) or nobody says. */
  cpus: number | null;
  peakMemoryBytes: number | null;
  /** The peak is the largest of periodic samples, not a kernel-kept maximum. */
  memorySampled: boolean;
  memoryRequestBytes: number | null;
  timeLimitSeconds: number | null;
  sources: UsageSources;
}

/** No figure known. */
export function emptyUsage(): JobUsage {
  return {
    elapsedSeconds: null,
    cpuSeconds: null,
    cpus: null,
    peakMemoryBytes: null,
    memorySampled: false,
    memoryRequestBytes: null,
    timeLimitSeconds: null,
    sources: {},
  };
}

const FIGURES: readonly [UsageFigure, keyof JobUsage][] = [
  ["elapsed", "elapsedSeconds"],
  ["cpu", "cpuSeconds"],
  ["cpus", "cpus"],
  ["memory", "peakMemoryBytes"],
  ["memoryRequest", "memoryRequestBytes"],
  ["timeLimit", "timeLimitSeconds"],
];

/** Figure by figure: `primary`'s where it has one, else `fallback`'s, each with its source. */
export function mergeUsage(primary: JobUsage, fallback: JobUsage): JobUsage {
  const merged: JobUsage = { ...primary, sources: { ...primary.sources } };
  for (const [figure, key] of FIGURES) {
    if (primary[key] !== null || fallback[key] === null) continue;
    (merged[key] as number | null) = fallback[key] as number;
    const source = fallback.sources[figure];
    if (source !== undefined) merged.sources[figure] = source;
    else delete merged.sources[figure];
    if (figure === "memory") merged.memorySampled = fallback.memorySampled;
  }
  return merged;
}

/** True when both carry the same figures (sources aside): a re-read that changed nothing. */
export function sameFigures(a: JobUsage, b: JobUsage): boolean {
  return FIGURES.every(([, key]) => a[key] === b[key]);
}

/** True when no figure is known. */
export function isEmptyUsage(usage: JobUsage): boolean {
  return FIGURES.every(([, key]) => usage[key] === null);
}

/** CPU time ÷ (elapsed × CPUs): 1 is every allocated CPU busy the whole time. */
export function cpuEfficiency(usage: JobUsage): number | null {
  const { cpuSeconds, elapsedSeconds, cpus } = usage;
  if (cpuSeconds === null || elapsedSeconds === null || cpus === null) return null;
  if (elapsedSeconds <= 0 || cpus <= 0) return null;
  return cpuSeconds / (elapsedSeconds * cpus);
}

/** CPU time ÷ elapsed: how many CPUs the job kept busy on average. */
export function averageCpusBusy(usage: JobUsage): number | null {
  const { cpuSeconds, elapsedSeconds } = usage;
  if (cpuSeconds === null || elapsedSeconds === null || elapsedSeconds <= 0) return null;
  return cpuSeconds / elapsedSeconds;
}

/** Peak memory ÷ the memory requested. */
export function memoryShare(usage: JobUsage): number | null {
  const { peakMemoryBytes, memoryRequestBytes } = usage;
  if (peakMemoryBytes === null || memoryRequestBytes === null || memoryRequestBytes <= 0) {
    return null;
  }
  return peakMemoryBytes / memoryRequestBytes;
}

/** Elapsed ÷ the time limit. */
export function timeShare(usage: JobUsage): number | null {
  const { elapsedSeconds, timeLimitSeconds } = usage;
  if (elapsedSeconds === null || timeLimitSeconds === null || timeLimitSeconds <= 0) return null;
  return elapsedSeconds / timeLimitSeconds;
}

/**
 * Reads a stored usage document back; anything malformed reads as unknown figures rather
 * than as numbers molq never measured.
 */
export function usageFromJson(value: unknown): JobUsage {
  const usage = emptyUsage();
  if (typeof value !== "object" || value === null) return usage;
  const object = value as Record<string, unknown>;
  for (const [, key] of FIGURES) {
    const figure = object[key];
    if (typeof figure === "number" && Number.isFinite(figure) && figure >= 0) {
      (usage[key] as number) = figure;
    }
  }
  usage.memorySampled = object.memorySampled === true;
  const sources = object.sources;
  if (typeof sources === "object" && sources !== null) {
    for (const [figure] of FIGURES) {
      const source = (sources as Record<string, unknown>)[figure];
      if (typeof source === "string") usage.sources[figure] = source;
    }
  }
  return usage;
}
