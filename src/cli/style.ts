/** Terminal styling for CLI output: colour only on a TTY and never with NO_COLOR. */
import { textWidth } from "../core/text_width.ts";
import type { JobState } from "../core/job_state.ts";

/** NO_COLOR always wins; then the config's `color` (auto, always, never); auto means a TTY. */
export function colorEnabled(
  stream: { isTerminal(): boolean } = Deno.stdout,
  mode: "auto" | "always" | "never" = "auto",
): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  if (mode !== "auto") return mode === "always";
  return stream.isTerminal();
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
};
export type Color = keyof typeof CODES;

export function paint(text: string, color: Color, enabled: boolean): string {
  return enabled ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

export const STATE_COLORS: Record<JobState, Color> = {
  created: "gray",
  submitted: "blue",
  queued: "yellow",
  running: "cyan",
  succeeded: "green",
  failed: "red",
  cancelled: "magenta",
  timed_out: "red",
  lost: "gray",
};

/** Visible width: ANSI escapes take no room. */
export function visibleWidth(text: string): number {
  // Printable ASCII, the common case of a long table's cells: one character, one column.
  if (plainAscii(text)) return text.length;
  // deno-lint-ignore no-control-regex
  return textWidth(text.replace(/\x1b\[[0-9;]*m/g, ""));
}

const NOT_PLAIN_ASCII = /[^\x20-\x7e]/;

/** Only printable ASCII: one column per character, nothing to clean. */
export function plainAscii(text: string): boolean {
  return !NOT_PLAIN_ASCII.test(text);
}

/**
 * User text made safe for a terminal: line breaks and tabs become spaces, other control
 * characters (an ESC could repaint the screen) become `?`.
 */
export function printable(text: string): string {
  if (plainAscii(text)) return text;
  // deno-lint-ignore no-control-regex
  return text.replace(/[\n\r\t]/g, " ").replace(/[\x00-\x1f\x7f\x9b]/g, "?");
}
