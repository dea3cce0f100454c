/**
 * Turns a rendered frame into one terminal write: only lines that differ from the previous
 * frame are redrawn (cursor move, clear line, text), inside a synchronized update.
 */
import { CLEAR_LINE, CLEAR_SCREEN, cursorTo } from "./ansi.ts";

const SYNC_START = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";

/** The bytes that turn `previous` into `next` on screen; "" when nothing changed. */
export function frameUpdate(previous: readonly string[] | null, next: readonly string[]): string {
  let out = previous === null ? CLEAR_SCREEN : "";
  for (let row = 0; row < next.length; row++) {
    const line = next[row]!;
    if (previous !== null && previous[row] === line) continue;
    out += cursorTo(row) + CLEAR_LINE + line;
  }
  return out === "" ? "" : SYNC_START + out + SYNC_END;
}

/** Keeps the last frame so the next draw sends only the changes. */
export class FrameWriter {
  #previous: readonly string[] | null = null;

  constructor(private readonly write: (text: string) => void) {}

  /** Draws `lines`; `full` (after a resize) clears and redraws everything. */
  draw(lines: readonly string[], full = false): void {
    const previous = full || this.#previous?.length !== lines.length ? null : this.#previous;
    const out = frameUpdate(previous, lines);
    if (out !== "") this.write(out);
    this.#previous = lines;
  }
}
