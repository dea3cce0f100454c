/** What LSF says a finished job used: bjobs' cpu_used, max_mem, run_time and slots (or bhist's CPU time). */
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import type { LsfJobStatus } from "./lsf_parse.ts";

/** The figures of one bjobs record (or bhist history), each with its source. */
export function lsfUsage(status: LsfJobStatus, from: "bjobs" | "bhist"): JobUsage {
  const usage = emptyUsage();
  if (status.cpuSeconds != null) {
    usage.cpuSeconds = status.cpuSeconds;
    usage.sources.cpu = from === "bjobs" ? "bjobs cpu_used" : "bhist (CPU time used)";
  }
  if (status.maxMemBytes != null) {
    usage.peakMemoryBytes = status.maxMemBytes;
    usage.sources.memory = from === "bjobs" ? "bjobs max_mem" : "bhist (MAX MEM)";
  }
  if (status.runSeconds != null) {
    usage.elapsedSeconds = status.runSeconds;
    usage.sources.elapsed = "bjobs run_time";
  }
  if (status.slots != null && status.slots > 0) {
    usage.cpus = status.slots;
    usage.sources.cpus = "bjobs slots";
  }
  return usage;
}
