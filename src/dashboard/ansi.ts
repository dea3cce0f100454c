/**
 * Raw ANSI for the dashboard: screen control codes, colour, and width-aware text helpers.
 * Widths are terminal columns: ANSI codes count 0, East Asian wide characters and emoji 2.
 */

import { charWidth, takeColumns } from "../core/text_width.ts";

const ESC = "\x1b[";

export const ALT_SCREEN_ON = `${ESC}?1049h`;
export const ALT_SCREEN_OFF = `${ESC}?1049l`;
export const CURSOR_HIDE = `${ESC}?25l`;
export const CURSOR_SHOW = `${ESC}?25h`;
/** Autowrap off: a line that is one column too wide is clipped instead of scrolling the screen. */
export const AUTOWRAP_OFF = `${ESC}?7l`;
export const AUTOWRAP_ON = `${ESC}?7h`;
export const CLEAR_SCREEN = `${ESC}2J`;
export const CLEAR_LINE = `${ESC}2K`;
export const RESET = `${ESC}0m`;

/** Moves the cursor to a 0-based row and column. */
export function cursorTo(row: number, column = 0): string {
  return `${ESC}${row + 1};${column + 1}H`;
}

const STYLES = {
  bold: "1",
  dim: "2",
  underline: "4",
  reverse: "7",
  red: "31",
  green: "32",
  yellow: "33",
  blue: "34",
  magenta: "35",
  cyan: "36",
  gray: "90",
} as const;

export type Style = keyof typeof STYLES;

/** Wraps `text` in SGR codes for `styles`, or returns it unchanged when colour is off. */
export function paint(text: string, color: boolean, ...styles: Style[]): string {
  if (!color || styles.length === 0 || text === "") return text;
  return `${ESC}${styles.map((s) => STYLES[s]).join(";")}m${text}${RESET}`;
}

// CSI / OSC / two-byte escape sequences, as terminals and programs emit them.
// deno-lint-ignore no-control-regex
const ANSI_PATTERN = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI_PATTERN, "") : text;
}

// deno-lint-ignore no-control-regex
const CONTROL_PATTERN = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * Makes text from a record or a log safe to print: escape sequences removed, tabs
 * expanded, other control characters shown as spaces (so nothing the job wrote can
 * move the cursor or change the terminal).
 */
export function sanitize(text: string): string {
  let clean = stripAnsi(text);
  if (clean.includes("\t")) clean = clean.replaceAll("\t", "    ");
  return clean.replace(CONTROL_PATTERN, " ");
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** Visible width in terminal columns, ignoring ANSI codes. */
export function visibleWidth(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of stripAnsi(text)) width += charWidth(char.codePointAt(0)!);
  return width;
}

/** Cuts plain text to at most `width` columns, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (PLAIN_ASCII.test(text)) {
    return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
  }
  if (visibleWidth(text) <= width) return text;
  return `${takeColumns(text, width - 1)}…`;
}

/** Truncates or pads plain text to exactly `width` columns. */
export function fit(text: string, width: number, align: "left" | "right" = "left"): string {
  const cut = truncate(text, width);
  const padding = " ".repeat(Math.max(0, width - visibleWidth(cut)));
  return align === "left" ? cut + padding : padding + cut;
}

/** Splits plain text into pieces of at most `width` columns (for wrapped log lines). */
export function wrapColumns(text: string, width: number): string[] {
  if (width <= 0) return [];
  if (text === "") return [""];
  if (PLAIN_ASCII.test(text)) {
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += width) pieces.push(text.slice(i, i + width));
    return pieces;
  }
  const pieces: string[] = [];
  let rest = text;
  while (rest !== "") {
    let piece = takeColumns(rest, width);
    if (piece === "") piece = String.fromCodePoint(rest.codePointAt(0)!); // a wide char in 1 column
    pieces.push(piece);
    rest = rest.slice(piece.length);
  }
  return pieces;
}

/**
 * Clips a line that may hold ANSI codes to `width` visible columns, keeping the codes
 * (a last safety net; cells are fitted before they are coloured).
 */
export function clipLine(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line;
  let out = "";
  let used = 0;
  let index = 0;
  ANSI_PATTERN.lastIndex = 0;
  while (index < line.length) {
    ANSI_PATTERN.lastIndex = index;
    const match = line[index] === "\x1b" ? ANSI_PATTERN.exec(line) : null;
    if (match && match.index === index) {
      out += match[0];
      index += match[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(index)!);
    const w = charWidth(char.codePointAt(0)!);
    if (used + w > width) break;
    out += char;
    used += w;
    index += char.length;
  }
  return out.includes("\x1b") ? out + RESET : out;
}
