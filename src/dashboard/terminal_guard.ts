/**
 * Puts the terminal into dashboard mode (alternate screen, hidden cursor, raw input, no
 * autowrap) and always puts it back: on `restore()` (call it in `finally`), on
 * SIGINT/SIGTERM/SIGHUP, and on process unload. Restoring twice is harmless.
 */
import {
  ALT_SCREEN_OFF,
  ALT_SCREEN_ON,
  AUTOWRAP_OFF,
  AUTOWRAP_ON,
  CLEAR_SCREEN,
  CURSOR_HIDE,
  CURSOR_SHOW,
  RESET,
} from "./ansi.ts";
import type { Terminal } from "./terminal.ts";

export const GUARDED_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export const ENTER_SEQUENCE = ALT_SCREEN_ON + CURSOR_HIDE + AUTOWRAP_OFF + CLEAR_SCREEN;
export const RESTORE_SEQUENCE = RESET + AUTOWRAP_ON + CURSOR_SHOW + ALT_SCREEN_OFF;

export class TerminalGuard {
  #restored = false;
  readonly #removers: (() => void)[] = [];
  readonly #onUnload = () => this.restore();

  private constructor(private readonly terminal: Terminal) {}

  /**
   * Enters dashboard mode. `onSignal` runs after the terminal is restored, so the caller
   * can end its loop; the process is not exited here (only main.ts exits).
   */
  static enter(terminal: Terminal, onSignal: (signal: Deno.Signal) => void): TerminalGuard {
    const guard = new TerminalGuard(terminal);
    try {
      for (const signal of GUARDED_SIGNALS) {
        guard.#removers.push(terminal.onSignal(signal, () => {
          guard.restore();
          onSignal(signal);
        }));
      }
      globalThis.addEventListener("unload", guard.#onUnload);
      terminal.setRaw(true);
      terminal.write(ENTER_SEQUENCE);
    } catch (error) {
      guard.restore();
      throw error;
    }
    return guard;
  }

  get restored(): boolean {
    return this.#restored;
  }

  /** Leaves dashboard mode. Each step runs even if an earlier one fails (a hung-up tty). */
  restore(): void {
    if (this.#restored) return;
    this.#restored = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    for (
      const step of [
        () => this.terminal.write(RESTORE_SEQUENCE),
        () => this.terminal.setRaw(false),
        ...this.#removers,
      ]
    ) {
      try {
        step();
      } catch {
        // The terminal may be gone (SIGHUP); restoring the rest still matters.
      }
    }
  }

  [Symbol.dispose](): void {
    this.restore();
  }
}
