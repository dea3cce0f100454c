/** Reducers for the detail view: the record, its timeline and the followed log. */
import type { JobRecord, StateTransition } from "../core/job_record.ts";
import { type DashboardState, type LogStream, type LogView, selectedRecord } from "./state.ts";

export function openDetail(state: DashboardState): DashboardState {
  const record = selectedRecord(state);
  if (!record) return state;
  return {
    ...state,
    view: "detail",
    detail: {
      jobId: record.jobId,
      record: null, // the full record: loaded next (the loadDetail effect)
      transitions: [],
      stream: "stdout",
      log: null,
      logScroll: 0,
    },
  };
}

export function closeDetail(state: DashboardState): DashboardState {
  return { ...state, view: "list", detail: null };
}

export function applyDetail(
  state: DashboardState,
  jobId: string,
  record: JobRecord | null,
  transitions: readonly StateTransition[],
): DashboardState {
  if (state.detail?.jobId !== jobId) return state;
  return { ...state, detail: { ...state.detail, record, transitions } };
}

/** Stores a log read, unless the user has since moved to another job or stream. */
export function applyLogTail(
  state: DashboardState,
  jobId: string,
  stream: LogStream,
  log: LogView,
): DashboardState {
  const detail = state.detail;
  if (detail?.jobId !== jobId || detail.stream !== stream) return state;
  return { ...state, detail: { ...detail, log } };
}

export function toggleLogStream(state: DashboardState): DashboardState {
  if (!state.detail) return state;
  const stream = state.detail.stream === "stdout" ? "stderr" : "stdout";
  return { ...state, detail: { ...state.detail, stream, log: null, logScroll: 0 } };
}

/** Scrolls the log pane by source lines (positive: back in time); 0 follows new output. */
export function scrollLog(state: DashboardState, delta: number | "follow" | "top"): DashboardState {
  if (!state.detail) return state;
  const max = Math.max(0, (state.detail.log?.lines.length ?? 0) - 1);
  const wanted = delta === "follow" ? 0 : delta === "top" ? max : state.detail.logScroll + delta;
  const logScroll = Math.max(0, Math.min(max, wanted));
  return { ...state, detail: { ...state.detail, logScroll } };
}

/** Log text → display lines: `\r` rewrites keep their last version; ANSI and controls go. */
export function logLines(text: string, maxLines = 2000): string[] {
  const raw = text.split("\n");
  if (raw.at(-1) === "") raw.pop();
  return raw.slice(-maxLines).map((line) => {
    const body = line.endsWith("\r") ? line.slice(0, -1) : line;
    const cr = body.lastIndexOf("\r");
    return cr === -1 ? body : body.slice(cr + 1);
  });
}
