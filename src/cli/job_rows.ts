/** The human table of jobs shared by `list` and `status`. */
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import { formatElapsed } from "../core/duration.ts";
import { renderTable } from "./table.ts";
import { clusterLabel } from "../core/job_host.ts";
import { paint, printable, STATE_COLORS } from "./style.ts";
import { cpuEfficiency, type JobUsage, memoryShare } from "../core/job_usage.ts";
import { formatShare, formatSize } from "../usage/usage_units.ts";

/**
 * `withHosts`: the store holds local jobs of several hosts, so each one's host is shown.
 * `usage`: add the usage columns (CPU efficiency, memory peak and its share of the request).
 */
export function renderJobTable(
  records: readonly JobRecord[],
  color: boolean,
  now = Date.now(),
  withHosts = false,
  usage?: ReadonlyMap<string, JobUsage | null>,
): string {
  const rows = records.map((r) => [
    r.jobId.slice(0, 8),
    paint(r.state, STATE_COLORS[r.state], color),
    printable(clusterLabel(r, withHosts)),
    r.schedulerJobId ?? "-",
    printable(r.name ?? r.commandDisplay),
    elapsed(r, now),
    r.exitCode !== null ? String(r.exitCode) : printable(r.stateDetail ?? ""),
  ]);
  const headers = ["ID", "STATE", "CLUSTER", "SCHED ID", "NAME/COMMAND", "ELAPSED", "EXIT/REASON"];
  if (!usage) return renderTable(headers, rows, { maxWidth: { 4: 48, 6: 40 } });
  records.forEach((record, i) => rows[i]!.push(...usageCells(usage.get(record.jobId) ?? null)));
  return renderTable([...headers, "CPU%", "PEAK", "MEM%"], rows, {
    maxWidth: { 4: 48, 6: 40 },
    right: [7, 8, 9],
  });
}

/** CPU efficiency, memory peak (`~` when sampled) and its share; `-` where unknown. */
export function usageCells(usage: JobUsage | null): string[] {
  if (!usage) return ["-", "-", "-"];
  const efficiency = cpuEfficiency(usage);
  const share = memoryShare(usage);
  const peak = usage.peakMemoryBytes;
  return [
    efficiency === null ? "-" : formatShare(efficiency),
    peak === null ? "-" : `${usage.memorySampled ? "~" : ""}${formatSize(peak)}`,
    share === null ? "-" : formatShare(share),
  ];
}

export function elapsed(record: JobRecord, now = Date.now()): string {
  if (record.startedAt === null) return "-";
  const end = isTerminal(record.state) ? record.finishedAt ?? now : now;
  return formatElapsed((end - record.startedAt) / 1000);
}
