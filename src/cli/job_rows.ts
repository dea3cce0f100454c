/** The human table of jobs shared by `list` and `status`; a long one is streamed. */
import { isTerminal } from "../core/job_state.ts";
import { formatElapsed } from "../core/duration.ts";
import type { JobSummary } from "../store/job_store.ts";
import { columnWidths, renderTable, tableLine, type TableOptions } from "./table.ts";
import { clusterLabel } from "../core/job_host.ts";
import { paint, printable, STATE_COLORS } from "./style.ts";

export const JOB_TABLE_HEADERS = [
  "ID",
  "STATE",
  "CLUSTER",
  "SCHED ID",
  "NAME/COMMAND",
  "ELAPSED",
  "EXIT/REASON",
];
export const JOB_TABLE_OPTIONS: TableOptions = { maxWidth: { 4: 48, 6: 40 } };

/** How the rows look: colour, the clock for elapsed times, and whether hosts are shown. */
export interface JobTableStyle {
  color: boolean;
  now: number;
  /** The store holds local jobs of several hosts, so each one's host is shown. */
  withHosts: boolean;
}

/** The whole table at once, for a few records (`status`). */
export function renderJobTable(
  records: readonly JobSummary[],
  color: boolean,
  now = Date.now(),
  withHosts = false,
): string {
  const style = { color, now, withHosts };
  return renderTable(JOB_TABLE_HEADERS, records.map((r) => jobRow(r, style)), JOB_TABLE_OPTIONS);
}

/** The first pass over a long table: how many rows, and the width of each column. */
export function measureJobTable(
  records: Iterable<JobSummary>,
  style: JobTableStyle,
): { rows: number; widths: number[] } {
  let rows = 0;
  const widths = columnWidths(
    JOB_TABLE_HEADERS,
    mapRows(records, (r) => (rows++, jobRow(r, style))),
    JOB_TABLE_OPTIONS,
  );
  return { rows, widths };
}

/** The second pass: the header, then one line per record, at the measured widths. */
export function* jobTableLines(
  records: Iterable<JobSummary>,
  widths: readonly number[],
  style: JobTableStyle,
): Generator<string> {
  yield tableLine(JOB_TABLE_HEADERS, widths, JOB_TABLE_OPTIONS);
  for (const record of records) yield tableLine(jobRow(record, style), widths, JOB_TABLE_OPTIONS);
}

function jobRow(r: JobSummary, style: JobTableStyle): string[] {
  return [
    r.jobId.slice(0, 8),
    paint(r.state, STATE_COLORS[r.state], style.color),
    printable(clusterLabel(r, style.withHosts)),
    r.schedulerJobId ?? "-",
    printable(r.name ?? r.commandDisplay),
    elapsed(r, style.now),
    r.exitCode !== null ? String(r.exitCode) : printable(r.stateDetail ?? ""),
  ];
}

function* mapRows<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

export function elapsed(
  record: Pick<JobSummary, "startedAt" | "finishedAt" | "state">,
  now = Date.now(),
): string {
  if (record.startedAt === null) return "-";
  const end = isTerminal(record.state) ? record.finishedAt ?? now : now;
  return formatElapsed((end - record.startedAt) / 1000);
}
