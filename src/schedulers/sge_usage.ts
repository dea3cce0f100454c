/**
 * What Grid Engine's accounting says a finished job used: `qacct`'s `ru_wallclock`, `cpu`,
 * `slots` and `maxvmem`. maxvmem is the peak of *virtual* memory (what `h_vmem` limits),
 * which is what Grid Engine enforces; a 0 means it was never sampled, so it is unknown.
 */
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import type { QacctRecord } from "./sge_qacct.ts";

export function sgeUsage(
  record: QacctRecord,
  request: { memoryRequestBytes: number | null; timeLimitSeconds: number | null },
): JobUsage {
  const usage = emptyUsage();
  const known = (value: number | null) => value !== null && Number.isFinite(value);
  if (known(record.wallclockSeconds)) {
    usage.elapsedSeconds = record.wallclockSeconds;
    usage.sources.elapsed = "qacct ru_wallclock";
  }
  if (known(record.cpuSeconds)) {
    usage.cpuSeconds = record.cpuSeconds;
    usage.sources.cpu = "qacct cpu";
  }
  if (known(record.slots) && record.slots! > 0) {
    usage.cpus = record.slots;
    usage.sources.cpus = "qacct slots";
  }
  if (known(record.maxvmemBytes) && record.maxvmemBytes! > 0) {
    usage.peakMemoryBytes = record.maxvmemBytes;
    usage.sources.memory = "qacct maxvmem (virtual memory)";
  }
  if (request.memoryRequestBytes !== null) {
    usage.memoryRequestBytes = request.memoryRequestBytes;
    usage.sources.memoryRequest = "--mem";
  }
  if (request.timeLimitSeconds !== null) {
    usage.timeLimitSeconds = request.timeLimitSeconds;
    usage.sources.timeLimit = "--time";
  }
  return usage;
}
