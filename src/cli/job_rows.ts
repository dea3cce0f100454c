/** The human table of jobs shared by `list` and `status`. */
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import { formatElapsed } from "../core/duration.ts";
import { renderTable } from "./table.ts";
import { clusterLabel } from "../core/job_host.ts";
import { paint, printable, STATE_COLORS } from "./style.ts";

/** `withHosts`: the store holds local jobs of several hosts, so each one's host is shown. */
export function renderJobTable(
  records: readonly JobRecord[],
  color: boolean,
  now = Date.now(),
  withHosts = false,
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
  return renderTable(
    ["ID", "STATE", "CLUSTER", "SCHED ID", "NAME/COMMAND", "ELAPSED", "EXIT/REASON"],
    rows,
    {
      maxWidth: { 4: 48, 6: 40 },
    },
  );
}

export function elapsed(record: JobRecord, now = Date.now()): string {
  if (record.startedAt === null) return "-";
  const end = isTerminal(record.state) ? record.finishedAt ?? now : now;
  return formatElapsed((end - record.startedAt) / 1000);
}
