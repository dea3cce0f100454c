/**
 * The column widths of a long job table, computed by SQLite in one aggregate query over the
 * listing, so the rows are read only once (to print them). Each expression gives the width
 * job_rows.ts's cell has: the same cut-offs, the same elapsed-time format.
 */
import type { ListQuery } from "../store/job_store.ts";
import type { JobStore } from "../store/job_store.ts";
import { TERMINAL_STATES } from "../core/job_state.ts";
import type { JobTableStyle } from "./job_rows.ts";
import { JOB_TABLE_HEADERS, JOB_TABLE_OPTIONS } from "./job_rows.ts";

const terminal = [...TERMINAL_STATES].map((state) => `'${state}'`).join(", ");
/** Whole seconds the job has run (formatElapsed's input); `?1` is now, in ms (bound as REAL). */
const seconds = `max(0, CAST(((CASE WHEN state IN (${terminal})
  THEN coalesce(finished_at, ?1) ELSE ?1 END) - started_at) / 1000 AS INTEGER))`;
/** The length of formatElapsed(seconds): `42s`, `7m05s`, `3h20m`, `12d04h`; `-` unstarted. */
const elapsedWidth = `CASE WHEN started_at IS NULL THEN 1
  WHEN ${seconds} < 60 THEN length(${seconds}) + 1
  WHEN ${seconds} < 3600 THEN length(${seconds} / 60) + 4
  WHEN ${seconds} < 86400 THEN length(${seconds} / 3600) + 4
  ELSE length(${seconds} / 86400) + 4 END`;
const cut = (column: number, expression: string) => {
  const max = JOB_TABLE_OPTIONS.maxWidth?.[column];
  return max === undefined ? `length(${expression})` : `min(${max}, length(${expression}))`;
};

/** Per column, in order; `?2` is 1 when hosts are shown beside local clusters. */
const CELLS = [
  "substr(job_id, 1, 8)",
  "state",
  "CASE WHEN ?2 AND scheduler = 'local' AND host IS NOT NULL THEN cluster || '@' || host ELSE cluster END",
  "coalesce(scheduler_job_id, '-')",
  "coalesce(name, command_display)",
  null, // elapsed
  "CASE WHEN exit_code IS NOT NULL THEN CAST(exit_code AS TEXT) ELSE coalesce(state_detail, '') END",
];
/**
 * 1 when some text cell holds a character from U+0300 on: one that may take two columns or
 * none (below it, every character takes one, as the rows print it).
 */
const wideText = `max((${
  CELLS.filter((cell, i) => cell !== null && i > 1).join(" || ")
}) GLOB '*[\u0300-\u{10FFFF}]*') AS wide`;
const AGGREGATES = [
  "count(*) AS rows",
  ...CELLS.map((cell, i) => `max(${cell === null ? elapsedWidth : cut(i, cell)}) AS w${i}`),
  wideText,
].join(", ");

/**
 * How many rows the listing has and how wide each column is (headers included); null when
 * a cell holds text whose columns only the rows themselves tell (CJK, emoji, accents).
 */
export function jobTableWidths(
  store: JobStore,
  query: ListQuery,
  style: JobTableStyle,
): { rows: number; widths: number[] } | null {
  const result = store.summarize(query, AGGREGATES, [style.now, style.withHosts ? 1 : 0]);
  if (Number(result.wide ?? 0) === 1) return null;
  const widths = JOB_TABLE_HEADERS.map((header, i) =>
    Math.max(header.length, Number(result[`w${i}`] ?? 0))
  );
  return { rows: Number(result.rows), widths };
}
