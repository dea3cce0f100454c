/**
 * Dashboard state and its pure reducers: records in, visible rows out, with the selection
 * kept by job id across refreshes, filters and array expansion.
 */
import type { JobRecord, StateTransition } from "../core/job_record.ts";
import type { DashboardJob } from "../store/job_views.ts";
import {
  buildRows,
  type ColumnHints,
  groupRecords,
  type StateFilter,
  type Summary,
  type TableRow,
} from "./rows.ts";
import type { ClusterError, UsageView } from "./source.ts";

export type { ColumnHints, StateFilter, Summary, TableRow };
export const STATE_FILTER_CYCLE: readonly StateFilter[] = [
  "all",
  "running",
  "queued",
  "failed",
  "succeeded",
  "cancelled",
  "timed_out",
  "lost",
  "submitted",
  "created",
];

export type LogStream = "stdout" | "stderr";

export interface LogView {
  /** Null when the record names no log file for this stream. */
  path: string | null;
  exists: boolean;
  lines: readonly string[];
  sizeBytes: number;
}

export interface DetailState {
  jobId: string;
  record: JobRecord | null;
  transitions: readonly StateTransition[];
  stream: LogStream;
  /** Null until the first read of the log comes back. */
  log: LogView | null;
  /** Display lines scrolled up from the end; 0 follows new output. */
  logScroll: number;
}

export type Prompt = { kind: "filter"; text: string } | { kind: "confirmCancel"; jobId: string };

export interface DashboardState {
  title: string;
  view: "list" | "detail";
  records: readonly DashboardJob[];
  byId: ReadonlyMap<string, DashboardJob>;
  /** What the loaded finished jobs used, by job id. */
  usage: ReadonlyMap<string, UsageView>;
  tasksByArray: ReadonlyMap<string, readonly DashboardJob[]>;
  topLevel: readonly DashboardJob[];
  summary: Summary;
  hints: ColumnHints;
  rows: readonly TableRow[];
  selectedId: string | null;
  /** -1 when there are no rows. */
  selectedIndex: number;
  /** First table row on screen; render keeps the selection visible whatever this says. */
  scrollTop: number;
  expanded: ReadonlySet<string>;
  textFilter: string;
  stateFilter: StateFilter;
  prompt: Prompt | null;
  showHelp: boolean;
  detail: DetailState | null;
  message: { text: string; error: boolean } | null;
  lastRefreshAt: number | null;
  refreshing: boolean;
  errors: readonly ClusterError[];
  now: number;
  /** Terminal height, for paging. */
  screenRows: number;
}

export function initialState(title: string, now: number, screenRows = 24): DashboardState {
  return {
    title,
    view: "list",
    records: [],
    byId: new Map(),
    usage: new Map(),
    tasksByArray: new Map(),
    topLevel: [],
    summary: { counts: {}, total: 0, finished: 0 },
    hints: { cluster: 0, schedulerJobId: 0, reason: 0, runLabel: 0, name: 0 },
    rows: [],
    selectedId: null,
    selectedIndex: -1,
    scrollTop: 0,
    expanded: new Set(),
    textFilter: "",
    stateFilter: "all",
    prompt: null,
    showHelp: false,
    detail: null,
    message: null,
    lastRefreshAt: null,
    refreshing: false,
    errors: [],
    now,
    screenRows,
  };
}

/** At most this many error lines in the header; more are summarised on the last one. */
export const MAX_ERROR_LINES = 3;

export function headerLineCount(errorCount: number): number {
  return 3 + Math.min(errorCount, MAX_ERROR_LINES);
}

/** Table rows that fit under the header, the column titles and above the footer. */
export function listBodyRows(screenRows: number, errorCount: number): number {
  return Math.max(1, screenRows - headerLineCount(errorCount) - 2);
}

/** The first row to show so that `index` is visible, moving as little as possible. */
export function keepVisible(top: number, index: number, height: number, total: number): number {
  let next = Math.min(top, Math.max(0, total - height));
  if (index < next) next = index;
  if (index >= next + height) next = index - height + 1;
  return Math.max(0, next);
}

/** Replaces the records (newest first), regrouping arrays and keeping the selection by id. */
export function applyRecords(
  state: DashboardState,
  records: readonly DashboardJob[],
): DashboardState {
  return rebuildRows({ ...state, records, ...groupRecords(records) });
}

/** Replaces what the loaded jobs used. */
export function applyUsage(
  state: DashboardState,
  usage: ReadonlyMap<string, UsageView>,
): DashboardState {
  return { ...state, usage };
}

/** Recomputes the rows and puts the selection back on the same job (or its array). */
export function rebuildRows(state: DashboardState): DashboardState {
  const rows = buildRows(state);
  let index = -1;
  if (state.selectedId !== null) {
    index = rows.findIndex((row) => row.record.jobId === state.selectedId);
    const parent = state.byId.get(state.selectedId)?.arrayJobId;
    if (index === -1 && parent) index = rows.findIndex((row) => row.record.jobId === parent);
  }
  if (index === -1) index = Math.min(Math.max(state.selectedIndex, 0), rows.length - 1);
  return select({ ...state, rows }, index);
}

/** Selects row `index` (clamped) and scrolls so it is visible. */
export function select(state: DashboardState, index: number): DashboardState {
  const clamped = state.rows.length === 0
    ? -1
    : Math.min(Math.max(index, 0), state.rows.length - 1);
  const height = listBodyRows(state.screenRows, state.errors.length);
  return {
    ...state,
    selectedIndex: clamped,
    selectedId: state.rows[clamped]?.record.jobId ?? null,
    scrollTop: clamped === -1
      ? 0
      : keepVisible(state.scrollTop, clamped, height, state.rows.length),
  };
}

export function moveSelection(state: DashboardState, delta: number): DashboardState {
  return select(state, Math.max(state.selectedIndex, 0) + delta);
}

export function pageSize(state: DashboardState): number {
  return listBodyRows(state.screenRows, state.errors.length);
}

export function selectedRecord(state: DashboardState): DashboardJob | null {
  return state.rows[state.selectedIndex]?.record ?? null;
}

export function setScreenRows(state: DashboardState, screenRows: number): DashboardState {
  return select({ ...state, screenRows }, state.selectedIndex);
}

export function setTextFilter(state: DashboardState, textFilter: string): DashboardState {
  return rebuildRows({ ...state, textFilter });
}

/** all → running → queued → failed → succeeded → ... (backwards with `direction` -1). */
export function cycleStateFilter(state: DashboardState, direction: 1 | -1 = 1): DashboardState {
  const at = STATE_FILTER_CYCLE.indexOf(state.stateFilter);
  const next = (at + direction + STATE_FILTER_CYCLE.length) % STATE_FILTER_CYCLE.length;
  return rebuildRows({ ...state, stateFilter: STATE_FILTER_CYCLE[next] ?? "all" });
}

/** Expands (true), collapses (false) or toggles (undefined) the selected array. */
export function setExpanded(state: DashboardState, open?: boolean): DashboardState {
  const row = state.rows[state.selectedIndex];
  if (!row) return state;
  const arrayId = row.depth === 1 ? row.record.arrayJobId : row.record.jobId;
  if (arrayId === null || !state.tasksByArray.has(arrayId)) return state;
  const isOpen = state.expanded.has(arrayId);
  const wantOpen = open ?? !isOpen;
  if (wantOpen === isOpen) {
    // ← on a task of an open array (or on the open array) means: go to the array.
    return row.depth === 1 && !wantOpen ? selectJob(state, arrayId) : state;
  }
  const expanded = new Set(state.expanded);
  if (wantOpen) expanded.add(arrayId);
  else expanded.delete(arrayId);
  return rebuildRows({ ...state, expanded, selectedId: wantOpen ? row.record.jobId : arrayId });
}

function selectJob(state: DashboardState, jobId: string): DashboardState {
  return select(state, state.rows.findIndex((row) => row.record.jobId === jobId));
}

export function applyRefresh(
  state: DashboardState,
  errors: readonly ClusterError[],
  at: number,
): DashboardState {
  return select({ ...state, errors, refreshing: false, lastRefreshAt: at }, state.selectedIndex);
}

export function setMessage(state: DashboardState, text: string, error = false): DashboardState {
  return { ...state, message: { text, error } };
}
