/**
 * Keys: raw terminal input decoded to key names, and the pure `onKey(state, key)` that
 * returns the next state plus an effect for the loop to run (never runs it itself).
 */
import { isTerminal } from "../core/job_state.ts";
import { closeDetail, openDetail, scrollLog, toggleLogStream } from "./detail_state.ts";
import { shortId } from "./format.ts";
import {
  cycleStateFilter,
  type DashboardState,
  moveSelection,
  pageSize,
  type Prompt,
  select,
  selectedRecord,
  setExpanded,
  setMessage,
  setTextFilter,
} from "./state.ts";

/**
 * A key: a printable character as itself (`"q"`, `" "`, `"é"`), or a name: `up`, `down`,
 * `left`, `right`, `pageup`, `pagedown`, `home`, `end`, `insert`, `delete`, `enter`,
 * `escape`, `backspace`, `tab`, `ctrl-a` … `ctrl-z`.
 */
export type Key = string;

export type Effect =
  | { kind: "quit" }
  | { kind: "refresh" }
  | { kind: "cancel"; jobId: string }
  /** Load the detail view's record, timeline and log tail for `jobId`. */
  | { kind: "loadDetail"; jobId: string };

export interface KeyResult {
  state: DashboardState;
  effect?: Effect;
}

const CSI_FINAL: Record<string, Key> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

const CSI_TILDE: Record<string, Key> = {
  "1": "home",
  "2": "insert",
  "3": "delete",
  "4": "end",
  "5": "pageup",
  "6": "pagedown",
  "7": "home",
  "8": "end",
};

/** Decodes one read from a raw-mode terminal; a read may hold several keys. */
export function decodeKeys(input: Uint8Array | string): Key[] {
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const keys: Key[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === "\x1b") {
      const sequence = decodeEscape(text, i);
      keys.push(sequence.key);
      i = sequence.end;
      continue;
    }
    const codePoint = text.codePointAt(i)!;
    i += codePoint > 0xffff ? 2 : 1;
    keys.push(controlKey(codePoint) ?? String.fromCodePoint(codePoint));
  }
  return keys;
}

function controlKey(code: number): Key | null {
  if (code === 0x0d || code === 0x0a) return "enter";
  if (code === 0x7f || code === 0x08) return "backspace";
  if (code === 0x09) return "tab";
  if (code >= 0x01 && code <= 0x1a) return `ctrl-${String.fromCharCode(code + 0x60)}`;
  if (code < 0x20) return "unknown";
  return null;
}

/** CSI (`ESC [ … final`) and SS3 (`ESC O x`) sequences; anything else is a lone Escape. */
function decodeEscape(text: string, start: number): { key: Key; end: number } {
  const next = text[start + 1];
  if (next === "O" && start + 2 < text.length) {
    return { key: CSI_FINAL[text[start + 2]!] ?? "unknown", end: start + 3 };
  }
  if (next !== "[") return { key: "escape", end: start + 1 };
  let end = start + 2;
  while (end < text.length && /[\x30-\x3f]/.test(text[end]!)) end++;
  if (end >= text.length) return { key: "escape", end: start + 1 };
  const params = text.slice(start + 2, end);
  const final = text[end]!;
  const key = final === "~" ? CSI_TILDE[params.split(";")[0] ?? ""] : CSI_FINAL[final];
  return { key: key ?? "unknown", end: end + 1 };
}

function isPrintable(key: Key): boolean {
  return [...key].length === 1 && key >= " ";
}

/** What a key press does. Ctrl-C always quits; closing the dashboard never cancels jobs. */
export function onKey(state: DashboardState, key: Key): KeyResult {
  if (key === "ctrl-c") return { state, effect: { kind: "quit" } };
  const current = state.message ? { ...state, message: null } : state;
  if (current.prompt?.kind === "filter") return onFilterKey(current, current.prompt.text, key);
  if (current.prompt?.kind === "confirmCancel") {
    return onConfirmKey(current, current.prompt.jobId, key);
  }
  if (current.showHelp) return { state: { ...current, showHelp: false } };
  switch (key) {
    case "?":
      return { state: { ...current, showHelp: true } };
    case "q":
      return { state: current, effect: { kind: "quit" } };
    case "r":
      return { state: current, effect: { kind: "refresh" } };
    case "c":
      return { state: askCancel(current) };
  }
  return current.view === "detail" ? onDetailKey(current, key) : onListKey(current, key);
}

function onListKey(state: DashboardState, key: Key): KeyResult {
  switch (key) {
    case "up":
    case "k":
      return { state: moveSelection(state, -1) };
    case "down":
    case "j":
      return { state: moveSelection(state, 1) };
    case "pageup":
      return { state: moveSelection(state, -pageSize(state)) };
    case "pagedown":
      return { state: moveSelection(state, pageSize(state)) };
    case "home":
    case "g":
      return { state: select(state, 0) };
    case "end":
    case "G":
      return { state: select(state, state.rows.length - 1) };
    case "right":
      return { state: setExpanded(state, true) };
    case "left":
      return { state: setExpanded(state, false) };
    case "e":
    case " ":
      return { state: setExpanded(state) };
    case "enter": {
      const next = openDetail(state);
      if (!next.detail) return { state };
      return { state: next, effect: { kind: "loadDetail", jobId: next.detail.jobId } };
    }
    case "/":
      return { state: { ...state, prompt: { kind: "filter", text: state.textFilter } } };
    case "s":
      return { state: cycleStateFilter(state, 1) };
    case "S":
      return { state: cycleStateFilter(state, -1) };
    case "escape":
      return { state: state.textFilter ? setTextFilter(state, "") : state };
  }
  return { state };
}

function onDetailKey(state: DashboardState, key: Key): KeyResult {
  const page = Math.max(1, Math.floor(state.screenRows / 3));
  switch (key) {
    case "escape":
    case "left":
    case "backspace":
      return { state: closeDetail(state) };
    case "l": {
      const next = toggleLogStream(state);
      return { state: next, effect: { kind: "loadDetail", jobId: next.detail!.jobId } };
    }
    case "up":
    case "k":
      return { state: scrollLog(state, 1) };
    case "down":
    case "j":
      return { state: scrollLog(state, -1) };
    case "pageup":
      return { state: scrollLog(state, page) };
    case "pagedown":
      return { state: scrollLog(state, -page) };
    case "home":
    case "g":
      return { state: scrollLog(state, "top") };
    case "end":
    case "G":
      return { state: scrollLog(state, "follow") };
  }
  return { state };
}

function onFilterKey(state: DashboardState, text: string, key: Key): KeyResult {
  const prompt = (next: string): Prompt => ({ kind: "filter", text: next });
  switch (key) {
    case "enter":
      return { state: setTextFilter({ ...state, prompt: null }, text.trim()) };
    case "escape":
      return { state: setTextFilter({ ...state, prompt: null }, "") };
    case "backspace":
      return { state: { ...state, prompt: prompt([...text].slice(0, -1).join("")) } };
    case "ctrl-u":
      return { state: { ...state, prompt: prompt("") } };
  }
  return isPrintable(key) ? { state: { ...state, prompt: prompt(text + key) } } : { state };
}

function onConfirmKey(state: DashboardState, jobId: string, key: Key): KeyResult {
  const closed = { ...state, prompt: null };
  if (key === "y" || key === "Y") {
    return {
      state: setMessage(closed, `Cancelling job ${shortId(jobId)}…`),
      effect: { kind: "cancel", jobId },
    };
  }
  return { state: setMessage(closed, `Job ${shortId(jobId)} was not cancelled.`) };
}

function askCancel(state: DashboardState): DashboardState {
  const record = state.view === "detail" ? state.detail?.record ?? null : selectedRecord(state);
  if (!record) return state;
  if (isTerminal(record.state)) {
    return setMessage(
      state,
      `Cannot cancel job ${shortId(record.jobId)}: it has already finished (${record.state}).`,
      true,
    );
  }
  return { ...state, prompt: { kind: "confirmCancel", jobId: record.jobId } };
}
