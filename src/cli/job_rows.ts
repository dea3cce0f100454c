/** The human table of jobs shared by `list` and `status`; a long one is streamed. */
import { isTerminal } from "../core/job_state.ts";
import { formatElapsed } from "../core/duration.ts";
import type { JobSummary } from "../store/job_store.ts";
import {
  columnWidths,
  fitRow,
  fittedLine,
  type FittedRow,
  fittedWidths,
  renderTable,
  tableLine,
  type TableOptions,
} from "./table.ts";
import { clusterLabel } from "../core/job_host.ts";
import { paint, printable, STATE_COLORS } from "./style.ts";
import { cpuEfficiency, type JobUsage, memoryShare } from "../core/job_usage.ts";
import { formatShare, formatSize } from "../usage/usage_units.ts";

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
const USAGE_HEADERS = ["CPU%", "PEAK", "MEM%"];
const USAGE_OPTIONS: TableOptions = { ...JOB_TABLE_OPTIONS, right: [7, 8, 9] };

/** How the rows look: colour, the clock for elapsed times, hosts, usage columns. */
export interface JobTableStyle {
  color: boolean;
  now: number;
  /** The store holds local jobs of several hosts, so each one's host is shown. */
  withHosts: boolean;
  /** Add the usage columns (CPU efficiency, memory peak and its share of the request). */
  usage?: boolean;
}

/** A job as a row of the table, with its usage figures when the table shows them. */
export interface JobTableRow {
  record: JobSummary;
  usage?: JobUsage | null;
}

/**
 * The whole table at once, for a few records (`status`). `withHosts`: the store holds local
 * jobs of several hosts, so each one's host is shown. `usage`: add the usage columns.
 */
export function renderJobTable(
  records: readonly JobSummary[],
  color: boolean,
  now = Date.now(),
  withHosts = false,
  usage?: ReadonlyMap<string, JobUsage | null>,
): string {
  const style = { color, now, withHosts, usage: usage !== undefined };
  const rows = records.map((record) => jobRow({ record, usage: usage?.get(record.jobId) }, style));
  return renderTable(headers(style), rows, options(style));
}

/** The first pass over a long table: how many rows, and the width of each column. */
export function measureJobTable(
  rows: Iterable<JobTableRow>,
  style: JobTableStyle,
): { rows: number; widths: number[] } {
  let count = 0;
  const cells = mapRows(rows, (row) => {
    count++;
    return jobRow(row, style);
  });
  const widths = columnWidths(headers(style), cells, options(style));
  return { rows: count, widths };
}

/** A listing up to this many rows is held (its cells cut and measured) and laid out from them. */
export const HELD_ROWS = 5_000;

/** A short table (up to HELD_ROWS rows) read once: its rows cut and measured, then laid out. */
export function heldJobTable(rows: Iterable<JobTableRow>, style: JobTableStyle): Generator<string> {
  const held = Array.from(rows, (row) => fitRow(jobRow(row, style), options(style)));
  const widths = fittedWidths(fitRow(headers(style), options(style)), held);
  return tableLines(held, [], widths, style);
}

/** The second pass: the header, then one line per row, at the measured widths. */
export function jobTableLines(
  rows: Iterable<JobTableRow>,
  widths: readonly number[],
  style: JobTableStyle,
): Generator<string> {
  return tableLines([], rows, widths, style);
}

/** The header, then the rows already fitted, then the rest. */
function* tableLines(
  held: readonly FittedRow[],
  rest: Iterable<JobTableRow>,
  widths: readonly number[],
  style: JobTableStyle,
): Generator<string> {
  yield tableLine(headers(style), widths, options(style));
  for (const row of held) yield fittedLine(row, widths, options(style));
  for (const row of rest) yield tableLine(jobRow(row, style), widths, options(style));
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

export function elapsed(
  record: Pick<JobSummary, "startedAt" | "finishedAt" | "state">,
  now = Date.now(),
): string {
  if (record.startedAt === null) return "-";
  const end = isTerminal(record.state) ? record.finishedAt ?? now : now;
  return formatElapsed((end - record.startedAt) / 1000);
}

function headers(style: JobTableStyle): string[] {
  return style.usage ? [...JOB_TABLE_HEADERS, ...USAGE_HEADERS] : JOB_TABLE_HEADERS;
}

function options(style: JobTableStyle): TableOptions {
  return style.usage ? USAGE_OPTIONS : JOB_TABLE_OPTIONS;
}

function jobRow({ record: r, usage }: JobTableRow, style: JobTableStyle): string[] {
  const cells = [
    r.jobId.slice(0, 8),
    paint(r.state, STATE_COLORS[r.state], style.color),
    printable(clusterLabel(r, style.withHosts)),
    r.schedulerJobId ?? "-",
    printable(r.name ?? r.commandDisplay),
    elapsed(r, style.now),
    r.exitCode !== null ? String(r.exitCode) : printable(r.stateDetail ?? ""),
  ];
  return style.usage ? [...cells, ...usageCells(usage ?? null)] : cells;
}

function* mapRows<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}
