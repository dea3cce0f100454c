/**
 * The whole screen as a pure function: (state, terminal size) → exactly `rows` lines, none
 * wider than `columns`. Header, then the table or the detail view, then one footer line
 * (key hints, a prompt or a message); the help overlay goes on top.
 */
import { takeColumns } from "../core/text_width.ts";
import { clusterLabel } from "../core/job_host.ts";
import { JOB_STATES } from "../core/job_state.ts";
import {
  clipLine,
  fit,
  paint,
  sanitize,
  stripAnsi,
  type Style,
  truncate,
  visibleWidth,
} from "./ansi.ts";
import { formatClockTime, shortId, STATE_STYLES, STATE_SYMBOLS } from "./format.ts";
import { renderDetail } from "./render_detail.ts";
import { renderTable } from "./render_table.ts";
import { type DashboardState, MAX_ERROR_LINES } from "./state.ts";

export interface ScreenSize {
  columns: number;
  rows: number;
  /** False for NO_COLOR: then no escape code at all is emitted. */
  color: boolean;
}

export const MIN_COLUMNS = 20;
export const MIN_ROWS = 10;

interface Segment {
  text: string;
  styles: Style[];
}

/** Joins coloured segments, cutting the text (not the codes) at `width` columns. */
function segments(parts: readonly Segment[], width: number, color: boolean): string {
  let out = "";
  let left = width;
  for (const part of parts) {
    if (left <= 0) break;
    const text = truncate(part.text, left);
    out += paint(text, color, ...part.styles);
    left -= visibleWidth(text);
  }
  return out;
}

/** `left` and `right` on one line; `left` is cut first, `right` goes when it cannot fit. */
function spread(left: string, right: string, width: number): string {
  const rightWidth = visibleWidth(right);
  if (rightWidth + 8 > width) return fit(left, width);
  return fit(left, width - rightWidth) + right;
}

function titleLine(state: DashboardState, size: ScreenSize): string {
  const refreshed = state.lastRefreshAt === null
    ? "not refreshed yet"
    : `refreshed ${formatClockTime(state.lastRefreshAt)}`;
  const right = `${state.refreshing ? "refreshing… · " : ""}${refreshed} `;
  return paint(spread(` ${state.title}`, right, size.columns), size.color, "reverse", "bold");
}

function countsLine(state: DashboardState, size: ScreenSize): string {
  const parts: Segment[] = [{ text: " ", styles: [] }];
  for (const jobState of JOB_STATES) {
    const count = state.summary.counts[jobState];
    if (!count) continue;
    parts.push(
      { text: `${STATE_SYMBOLS[jobState]} ${count} ${jobState}`, styles: STATE_STYLES[jobState] },
      { text: "  ", styles: [] },
    );
  }
  if (parts.length === 1) parts.push({ text: "no jobs", styles: ["dim"] });
  return segments(parts, size.columns, size.color);
}

function progressLine(state: DashboardState, size: ScreenSize): string {
  const { total, finished } = state.summary;
  const barWidth = Math.max(10, Math.min(30, Math.floor(size.columns / 4)));
  const filled = total === 0 ? 0 : Math.round((finished / total) * barWidth);
  let shown = "";
  if (state.stateFilter !== "all" || state.textFilter !== "") {
    shown = `  · ${state.rows.length} shown`;
    if (state.stateFilter !== "all") shown += ` · state ${state.stateFilter}`;
    if (state.textFilter !== "") shown += ` · text "${state.textFilter}"`;
  }
  return segments(
    [
      { text: " [", styles: [] },
      { text: "█".repeat(filled), styles: ["green"] },
      { text: "░".repeat(barWidth - filled), styles: ["dim"] },
      { text: `] ${finished}/${total} finished`, styles: [] },
      { text: shown, styles: ["yellow"] },
    ],
    size.columns,
    size.color,
  );
}

function errorLines(state: DashboardState, size: ScreenSize): string[] {
  const errors = state.errors;
  const room = errors.length > MAX_ERROR_LINES ? MAX_ERROR_LINES - 1 : errors.length;
  const lines = errors.slice(0, room).map((e) => ` ✘ ${sanitize(`${e.cluster}: ${e.message}`)}`);
  if (errors.length > room) lines.push(` ✘ … and ${errors.length - room} more cluster errors`);
  return lines.map((line) =>
    paint(fit(line.replace(/\s+/g, " "), size.columns), size.color, "red")
  );
}

function hintsFor(state: DashboardState, width: number): string {
  const hints = state.view === "detail"
    ? " q quit  esc back  l stdout/stderr  ↑↓ scroll  end follow  ? help"
    : " q quit  ↑↓ move  enter detail  / filter  s state  c cancel  ? help";
  return visibleWidth(hints) <= width ? hints : " q quit  ? help";
}

function footerLine(state: DashboardState, size: ScreenSize): string {
  const { columns, color } = size;
  const prompt = state.prompt;
  if (prompt?.kind === "filter") {
    const label = " Filter: ";
    let text = prompt.text;
    while (visibleWidth(text) > columns - label.length - 1) text = [...text].slice(1).join("");
    const cursor = color ? paint(" ", true, "reverse") : "_";
    const hint = "Enter applies · Esc clears ";
    const used = label.length + visibleWidth(text) + 1;
    const right = used + hint.length + 2 <= columns
      ? " ".repeat(columns - used - hint.length) + hint
      : "";
    return label + text + cursor + paint(right, color, "dim");
  }
  if (prompt?.kind === "confirmCancel") {
    const record = state.byId.get(prompt.jobId) ?? state.detail?.record ?? null;
    const name = record ? ` (${sanitize(record.name ?? record.commandDisplay)})` : "";
    // A local job is cancelled on its own host: the question names it.
    const cluster = record ? ` on ${sanitize(clusterLabel(record, true))}` : "";
    const question = ` Cancel job ${shortId(prompt.jobId)}${name}${cluster}? y/n`;
    return paint(fit(question, columns), color, "yellow", "bold");
  }
  if (state.message) {
    return paint(
      fit(` ${sanitize(state.message.text)}`, columns),
      color,
      state.message.error ? "red" : "bold",
    );
  }
  const position = state.view === "list" && state.rows.length > 0
    ? `${state.selectedIndex + 1}/${state.rows.length} `
    : "";
  const hints = hintsFor(state, columns - visibleWidth(position));
  return paint(spread(hints, position, columns), color, "dim");
}

const HELP: readonly [string, string][] = [
  ["q, Ctrl-C", "quit (jobs keep running)"],
  ["↑ ↓  j k", "move"],
  ["PgUp PgDn", "page up / down"],
  ["Home End", "first / last"],
  ["Enter", "job detail"],
  ["Esc", "back; clear the text filter"],
  ["→ ←  e space", "expand / collapse an array"],
  ["/", "filter by text (Enter applies)"],
  ["s  S", "cycle the state filter"],
  ["c", "cancel the selected job (y/n)"],
  ["l", "detail: stdout / stderr"],
  ["r", "refresh now"],
  ["?", "this help (any key closes)"],
  ["↓ name", "used < 25 % of memory or CPUs"],
];

/** A box centred over `lines`; the rows it covers lose their colour beside it. */
function overlayHelp(lines: string[], size: ScreenSize): string[] {
  const inner = HELP.map(([keys, what]) => ` ${keys.padEnd(14)}${what} `);
  const innerWidth = Math.min(size.columns - 2, Math.max(...inner.map(visibleWidth)));
  if (innerWidth < 8) return lines;
  const body = inner.slice(0, Math.max(0, size.rows - 2)).map((line) => fit(line, innerWidth));
  const titleText = truncate("─ Keys ", innerWidth);
  const box = [
    `┌${titleText}${"─".repeat(innerWidth - visibleWidth(titleText))}┐`,
    ...body.map((line) => `│${line}│`),
    `└${"─".repeat(innerWidth)}┘`,
  ].slice(0, size.rows);
  const top = Math.max(0, Math.floor((size.rows - box.length) / 2));
  const left = Math.max(0, Math.floor((size.columns - innerWidth - 2) / 2));
  const out = [...lines];
  box.forEach((boxLine, i) => {
    const under = fit(stripAnsi(out[top + i] ?? ""), size.columns);
    const before = fit(takeColumns(under, left), left);
    const afterStart = takeColumns(under, left + innerWidth + 2);
    const after = under.slice(afterStart.length);
    out[top + i] = before + paint(boxLine, size.color, "bold") + after;
  });
  return out;
}

function tooSmall(size: ScreenSize): string[] {
  const message = truncate(
    `Terminal too small (${size.columns}×${size.rows}); molq needs ${MIN_COLUMNS}×${MIN_ROWS}.`,
    size.columns,
  );
  return Array.from({ length: size.rows }, (_, i) => (i === 0 ? message : ""));
}

/** The screen: exactly `size.rows` lines, each at most `size.columns` columns wide. */
export function render(state: DashboardState, size: ScreenSize): string[] {
  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) return tooSmall(size);
  const header = [
    titleLine(state, size),
    countsLine(state, size),
    progressLine(state, size),
    ...errorLines(state, size),
  ];
  const height = size.rows - header.length - 1;
  const body = state.view === "detail" && state.detail
    ? renderDetail(state, size, height)
    : renderTable(state, size, height);
  let lines = [...header, ...body, footerLine(state, size)];
  if (state.showHelp) lines = overlayHelp(lines, size);
  return lines.map((line) => clipLine(line, size.columns));
}
