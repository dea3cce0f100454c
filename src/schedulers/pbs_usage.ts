/**
 * What PBS (Pro and Torque) says a finished job used: `resources_used.cput`, `.mem` and
 * `.walltime` against `Resource_List.*` (ncpus, or Torque's nodes=N:ppn=M; mem; walltime).
 */
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import { parseClockSeconds, type PbsJobStatus } from "./pbs_parse.ts";

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
  pb: 1024 ** 5,
  w: 8,
  kw: 8 * 1024,
  mw: 8 * 1024 ** 2,
  gw: 8 * 1024 ** 3,
};

/** A PBS size: `5620kb`, `8gb`, `1024` (bytes), `2mw` (words of 8 bytes). */
export function parsePbsSize(text: string | undefined): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?[bw])?$/i.exec(text?.trim() ?? "");
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_BYTES[(match[2] ?? "b").toLowerCase()]!);
}

/** CPUs: `ncpus` (PBS Pro, also Torque with -l ncpus), else Torque's `nodes=2:ppn=4`. */
export function pbsCpus(list: Record<string, string>): number | null {
  const ncpus = list.ncpus?.trim();
  if (ncpus !== undefined && /^\d+$/.test(ncpus) && Number(ncpus) > 0) return Number(ncpus);
  const nodes = list.nodes?.trim();
  if (nodes === undefined) return null;
  let total = 0;
  for (const part of nodes.split("+")) {
    const [first, ...properties] = part.trim().split(":");
    // A host name (`node01:ppn=4`) stands for one node.
    const count = /^\d+$/.test(first ?? "") ? Number(first) : 1;
    const ppn = properties.map((p) => /^ppn=(\d+)$/.exec(p)?.[1]).find((n) => n !== undefined);
    total += count * Number(ppn ?? 1);
  }
  return total > 0 ? total : null;
}

/** The figures of a finished job's qstat record, each with its source. */
export function pbsUsage(status: PbsJobStatus): JobUsage {
  const usage = emptyUsage();
  const used = status.resourcesUsed;
  const list = status.resourceList;
  const cput = parseClockSeconds(used.cput);
  if (cput !== null) [usage.cpuSeconds, usage.sources.cpu] = [cput, "qstat resources_used.cput"];
  // 0kb: the job ended before the MoM sampled it; no process runs in no memory.
  const mem = parsePbsSize(used.mem);
  if (mem !== null && mem > 0) {
    [usage.peakMemoryBytes, usage.sources.memory] = [mem, "qstat resources_used.mem"];
  }
  const walltime = parseClockSeconds(used.walltime);
  if (walltime !== null) {
    [usage.elapsedSeconds, usage.sources.elapsed] = [walltime, "qstat resources_used.walltime"];
  }
  const cpus = pbsCpus(list);
  if (cpus !== null) {
    usage.cpus = cpus;
    usage.sources.cpus = list.ncpus !== undefined
      ? "qstat Resource_List.ncpus"
      : "qstat Resource_List.nodes";
  }
  const request = parsePbsSize(list.mem);
  if (request !== null) {
    [usage.memoryRequestBytes, usage.sources.memoryRequest] = [request, "qstat Resource_List.mem"];
  }
  const limit = parseClockSeconds(list.walltime);
  if (limit !== null) {
    [usage.timeLimitSeconds, usage.sources.timeLimit] = [limit, "qstat Resource_List.walltime"];
  }
  return usage;
}
