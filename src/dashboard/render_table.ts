/**
 * The job table: columns laid out for the terminal width (narrow screens drop columns by
 * priority instead of wrapping), and only the rows on screen are formatted.
 */
import { clusterLabel } from "../core/job_host.ts";
import { fit, paint, sanitize } from "./ansi.ts";
import {
  elapsedText,
  formatShortDateTime,
  nameText,
  reasonText,
  shortId,
  STATE_STYLES,
  STATE_SYMBOLS,
  stateLabel,
} from "./format.ts";
import { type ColumnHints, type DashboardState, keepVisible, type TableRow } from "./state.ts";
import type { ScreenSize } from "./render.ts";
import { usedLittle } from "../usage/usage_hint.ts";

/** Before the name of a job that used under 25 % of its memory or CPUs. */
export const LOW_USE_MARK = "↓";

export type ColumnId =
  | "state"
  | "id"
  | "cluster"
  | "scheduler"
  | "run"
  | "name"
  | "submitted"
  | "elapsed"
  | "reason";

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  align: "left" | "right";
  /** The cluster column: name each local job's host (`local@login1`). */
  withHost?: boolean;
}

const NAME_MIN = 16;
/** Columns given up, in order, until the table fits; the state column then shrinks to its symbol. */
const DROP_ORDER: readonly ColumnId[] = ["submitted", "run", "scheduler", "cluster", "reason"];

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Column widths for `columns` terminal columns (1 column of selection gutter, 1 between). */
export function layoutColumns(columns: number, hints: ColumnHints): Column[] {
  const all: Column[] = [
    { id: "state", title: "STATE", width: 11, align: "left" },
    { id: "id", title: "ID", width: 8, align: "left" },
    {
      id: "cluster",
      title: "CLUSTER",
      width: clamp(hints.cluster, 7, hints.hosts ? 24 : 16),
      align: "left",
      withHost: hints.hosts ?? false,
    },
    {
      id: "scheduler",
      title: "SCHED ID",
      width: clamp(hints.schedulerJobId, 8, 16),
      align: "left",
    },
    { id: "run", title: "RUN", width: clamp(hints.runLabel, 3, 20), align: "left" },
    { id: "name", title: "NAME / COMMAND", width: NAME_MIN, align: "left" },
    { id: "submitted", title: "SUBMITTED", width: 11, align: "left" },
    { id: "elapsed", title: "ELAPSED", width: 7, align: "right" },
    { id: "reason", title: "EXIT/REASON", width: 11, align: "left" },
  ];
  let shown = hints.runLabel > 0 ? all : all.filter((c) => c.id !== "run");
  const used = () => 1 + shown.reduce((sum, c) => sum + c.width, 0) + shown.length - 1;
  for (const id of DROP_ORDER) {
    if (used() <= columns) break;
    shown = shown.filter((c) => c.id !== id);
  }
  const state = shown.find((c) => c.id === "state")!;
  if (used() > columns) {
    state.width = 1;
    state.title = "S";
  }
  if (used() > columns) shown = shown.filter((c) => c.id !== "elapsed");
  const name = shown.find((c) => c.id === "name")!;
  name.width = Math.max(1, columns - (used() - name.width));
  const reason = shown.find((c) => c.id === "reason");
  if (reason) {
    // Enough room: both get what their longest text needs. Tight: the reason column takes
    // at most half of what the name has beyond its minimum.
    const wantReason = Math.max(0, hints.reason - reason.width);
    const spare = name.width - Math.max(NAME_MIN, hints.name);
    const grow = spare >= wantReason
      ? wantReason
      : Math.min(wantReason, Math.floor((name.width - NAME_MIN) / 2));
    if (grow > 0) {
      reason.width += grow;
      name.width -= grow;
    }
  }
  // Wide screens: keep the columns together instead of one very wide name column.
  name.width = Math.min(name.width, Math.max(NAME_MIN, hints.name));
  return shown;
}

function nameCell(row: TableRow, lowUse: boolean): string {
  const name = (lowUse ? `${LOW_USE_MARK} ` : "") + nameText(row.record);
  if (row.depth === 1) return `  └ [${row.record.arrayTaskId ?? "?"}] ${name}`;
  if (!row.tasks) return name;
  return `${row.expanded ? "▾" : "▸"} ${name} [${row.tasks.finished}/${row.tasks.total}]`;
}

function cellText(column: Column, row: TableRow, now: number, lowUse: boolean): string {
  const record = row.record;
  switch (column.id) {
    case "state":
      return column.width === 1 ? STATE_SYMBOLS[record.state] : stateLabel(record.state);
    case "id":
      return shortId(record.jobId);
    case "cluster":
      return sanitize(clusterLabel(record, column.withHost ?? false));
    case "scheduler":
      return sanitize(record.schedulerJobId ?? "-");
    case "run":
      return sanitize(record.runLabel ?? "");
    case "name":
      return nameCell(row, lowUse);
    case "submitted":
      return record.submittedAt === null ? "-" : formatShortDateTime(record.submittedAt);
    case "elapsed":
      // An array without its own start time runs from its first task's start.
      return record.startedAt === null && row.tasks?.startedAt != null
        ? elapsedText({ ...record, startedAt: row.tasks.startedAt }, now)
        : elapsedText(record, now);
    case "reason":
      return reasonText(record);
  }
}

export function renderColumnTitles(columns: readonly Column[], width: number, color: boolean) {
  const text = " " + columns.map((c) => fit(c.title, c.width, c.align)).join(" ");
  return paint(fit(text, width), color, "bold", "underline");
}

/**
 * One table line; the selected row is marked `>` (and reversed when colour is on).
 * `lowUse`: the job used under 25 % of its memory or CPUs (marked before its name).
 */
export function renderRow(
  row: TableRow,
  columns: readonly Column[],
  selected: boolean,
  size: ScreenSize,
  now: number,
  lowUse = false,
): string {
  const cells = columns.map((c) => fit(cellText(c, row, now, lowUse), c.width, c.align));
  const marker = selected ? ">" : " ";
  if (selected || !size.color) {
    const line = marker + cells.join(" ");
    return selected ? paint(fit(line, size.columns), size.color, "reverse") : line;
  }
  const painted = columns.map((c, i) => {
    const cell = cells[i]!;
    if (c.id === "state") return paint(cell, true, ...STATE_STYLES[row.record.state]);
    if (c.id === "reason" && row.record.state === "failed") return paint(cell, true, "red");
    if (c.id === "id" || c.id === "submitted") return paint(cell, true, "dim");
    return row.depth === 1 && c.id === "name" ? paint(cell, true, "dim") : cell;
  });
  return marker + painted.join(" ");
}

/** The column titles plus `height - 1` rows around the selection. */
export function renderTable(state: DashboardState, size: ScreenSize, height: number): string[] {
  const columns = layoutColumns(size.columns, state.hints);
  const lines = [renderColumnTitles(columns, size.columns, size.color)];
  const bodyRows = height - 1;
  if (state.rows.length === 0) {
    const filtered = state.textFilter !== "" || state.stateFilter !== "all";
    const why = filtered
      ? "No jobs match the filter (Esc clears the text, s changes the state)."
      : "No jobs to show.";
    lines.push(paint(fit(` ${why}`, size.columns), size.color, "dim"));
  } else {
    const top = keepVisible(state.scrollTop, state.selectedIndex, bodyRows, state.rows.length);
    const end = Math.min(state.rows.length, top + bodyRows);
    for (let i = top; i < end; i++) {
      const row = state.rows[i]!;
      const lowUse = usedLittle(state.usage.get(row.record.jobId)?.usage ?? null);
      lines.push(renderRow(row, columns, i === state.selectedIndex, size, state.now, lowUse));
    }
  }
  while (lines.length < height) lines.push("");
  return lines;
}
