/**
 * The dashboard's one event loop: key presses, resizes, clock ticks and finished background
 * work arrive as events; each batch updates the state through the pure reducers and draws
 * one frame. Refreshes, cancels and log reads run in the background, so keys never wait.
 */
import { MolqError } from "../core/errors.ts";
import { isTerminal } from "../core/job_state.ts";
import { applyDetail, applyLogTail, logLines } from "./detail_state.ts";
import { logPath, shortId } from "./format.ts";
import { FrameWriter } from "./frame.ts";
import { decodeKeys, type Effect, type Key, onKey } from "./keys.ts";
import { render } from "./render.ts";
import {
  type DashboardQuery,
  type DashboardSource,
  loadDashboardRecords,
  type RefreshResult,
} from "./source.ts";
import {
  applyRecords,
  applyRefresh,
  applyUsage,
  type DashboardState,
  initialState,
  type LogView,
  setMessage,
  setScreenRows,
} from "./state.ts";
import { denoTerminal, type Terminal, type TerminalInput } from "./terminal.ts";
import { TerminalGuard } from "./terminal_guard.ts";
import { every, type Timer } from "../core/timers.ts";

export interface DashboardOptions {
  source: DashboardSource;
  /** Shown in the title bar, e.g. `molq monitor · all clusters · active jobs`. */
  title: string;
  query: DashboardQuery;
  /** Seconds between background refreshes; default 2. */
  refreshSeconds?: number;
  /** Default: on unless NO_COLOR is set. */
  color?: boolean;
  /** Names the command in the not-a-terminal error; default `molq monitor`. */
  commandName?: string;
  /** Bytes read from the end of a log for the detail view; default 64 KiB. */
  logTailBytes?: number;
  /** For tests: a fake terminal and clock. */
  terminal?: Terminal;
  clock?: () => number;
  tickMs?: number;
}

/** Why the dashboard ended. A signal means the caller should exit with 128 + its number. */
export interface DashboardExit {
  reason: "quit" | "signal" | "input-closed";
  signal?: Deno.Signal;
}

type LoopEvent =
  | { kind: "keys"; keys: Key[] }
  | { kind: "resize" }
  | { kind: "tick" }
  | { kind: "refreshTick" }
  | { kind: "update"; apply: (state: DashboardState) => DashboardState; reload: boolean }
  | { kind: "exit"; exit: DashboardExit };

/** A queue the loop awaits: events pushed while it works are taken as one batch. */
class EventQueue {
  #events: LoopEvent[] = [];
  #wake: (() => void) | null = null;

  push(event: LoopEvent): void {
    this.#events.push(event);
    this.#wake?.();
    this.#wake = null;
  }

  async takeAll(): Promise<LoopEvent[]> {
    while (this.#events.length === 0) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    return this.#events.splice(0);
  }
}

/** A refusal molq explains itself ("Cannot cancel job …") is shown as it is. */
function cancelFailure(id: string, error: unknown): string {
  if (error instanceof MolqError) return error.message;
  return `Could not cancel job ${id}: ${errorText(error)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function colorWanted(): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return noColor === undefined || noColor === "";
}

/**
 * Runs the full-screen dashboard until `q`, Ctrl-C, a signal or the end of input. Throws
 * MolqError when stdout or stdin is not a terminal. Never cancels a job by closing.
 */
export async function runDashboard(options: DashboardOptions): Promise<DashboardExit> {
  const terminal = options.terminal ?? denoTerminal();
  const commandName = options.commandName ?? "molq monitor";
  if (!terminal.stdoutIsTerminal()) {
    throw new MolqError(`${commandName} needs a terminal: stdout is not a TTY.`);
  }
  if (!terminal.stdinIsTerminal()) {
    throw new MolqError(`${commandName} needs a terminal: stdin is not a TTY.`);
  }
  const { source, query } = options;
  const clock = options.clock ?? Date.now;
  const color = options.color ?? colorWanted();
  const logTailBytes = options.logTailBytes ?? 64 * 1024;
  const events = new EventQueue();
  const aborter = new AbortController();
  const seenActive = new Set<string>();
  let size = { columns: 80, rows: 24 };
  let state = initialState(options.title, clock(), size.rows);
  let refreshing = false;
  let logReading = false;

  const update = (apply: (s: DashboardState) => DashboardState, reload = false) =>
    events.push({ kind: "update", apply, reload });

  const loadDetail = (jobId: string) => {
    state = applyDetail(state, jobId, source.get(jobId) ?? null, source.transitions(jobId));
  };

  /**
   * Reads the store again, skipping the records when the source says nothing changed. Only
   * the first read may fail the dashboard; later failures are shown as a message.
   */
  let lastToken: string | null = null;
  const reload = (first = false) => {
    try {
      const token = source.changeToken?.() ?? null;
      if (token === null || token !== lastToken) {
        state = applyRecords(state, loadDashboardRecords(source, query, seenActive));
        const ids = state.records.filter((r) => isTerminal(r.state)).map((r) => r.jobId);
        state = applyUsage(state, source.usage?.(ids) ?? new Map());
        lastToken = token;
      }
      if (state.detail) loadDetail(state.detail.jobId);
    } catch (error) {
      if (first) throw error;
      state = setMessage(state, `Could not read the job store: ${errorText(error)}`, true);
    }
  };

  const startRefresh = () => {
    if (refreshing) return; // never two at once, however slow the schedulers are
    refreshing = true;
    state = { ...state, refreshing: true };
    source.refresh(aborter.signal).then(
      (result: RefreshResult) => update((s) => applyRefresh(s, result.errors, clock()), true),
      (error: unknown) =>
        update(
          (s) => applyRefresh(s, [{ cluster: "refresh", message: errorText(error) }], clock()),
          true,
        ),
    ).finally(() => (refreshing = false));
  };

  const startLogRead = () => {
    const detail = state.detail;
    if (logReading || !detail?.record) return;
    const { jobId, stream } = detail;
    const path = logPath(detail.record, stream);
    const store = (log: LogView) => update((s) => applyLogTail(s, jobId, stream, log));
    if (path === null) {
      if (detail.log === null) store({ path: null, exists: false, lines: [], sizeBytes: 0 });
      return;
    }
    logReading = true;
    source.readLogTail(path, logTailBytes, detail.record).then(
      (tail) => {
        const previous = detail.log;
        const unchanged = previous?.path === path && previous.exists === tail.exists &&
          previous.sizeBytes === tail.sizeBytes;
        if (!unchanged) {
          store({
            path,
            exists: tail.exists,
            lines: logLines(tail.text),
            sizeBytes: tail.sizeBytes,
          });
        }
      },
      (error: unknown) =>
        store({
          path,
          exists: true,
          lines: [`cannot read ${stream}: ${errorText(error)}`],
          sizeBytes: 0,
        }),
    ).finally(() => (logReading = false));
  };

  const runEffect = (effect: Effect): DashboardExit | null => {
    switch (effect.kind) {
      case "quit":
        return { reason: "quit" };
      case "refresh":
        startRefresh();
        return null;
      case "loadDetail":
        reload();
        startLogRead();
        return null;
      case "cancel": {
        const id = shortId(effect.jobId);
        source.cancel(effect.jobId).then(
          () => update((s) => setMessage(s, `Cancelled job ${id}.`), true),
          (error: unknown) =>
            update(
              (s) => setMessage(s, cancelFailure(id, error), true),
              true,
            ),
        );
        return null;
      }
    }
  };

  const frame = new FrameWriter((text) => terminal.write(text));
  const timers: Timer[] = [];
  let removeResize = () => {};
  let input: TerminalInput | null = null;
  let pump: Promise<void> = Promise.resolve();
  const guard = TerminalGuard.enter(terminal, (signal) => {
    events.push({ kind: "exit", exit: { reason: "signal", signal } });
  });
  try {
    removeResize = terminal.onSignal("SIGWINCH", () => events.push({ kind: "resize" }));
    timers.push(
      every(options.tickMs ?? 500, () => events.push({ kind: "tick" })),
      every(
        Math.max(200, (options.refreshSeconds ?? 2) * 1000),
        () => events.push({ kind: "refreshTick" }),
      ),
    );
    const keys = input = terminal.input();
    pump = (async () => {
      try {
        for await (const chunk of keys.chunks) {
          events.push({ kind: "keys", keys: decodeKeys(chunk) });
        }
      } catch {
        // stdin went away: the same as the end of input
      }
      events.push({ kind: "exit", exit: { reason: "input-closed" } });
    })();
    size = terminal.size();
    state = setScreenRows(state, size.rows);
    reload(true);
    startRefresh();
    frame.draw(render(state, { ...size, color }), true);
    while (true) {
      let full = false;
      for (const event of await events.takeAll()) {
        switch (event.kind) {
          case "exit":
            return event.exit;
          case "keys":
            for (const key of event.keys) {
              const result = onKey(state, key);
              state = result.state;
              const exit = result.effect ? runEffect(result.effect) : null;
              if (exit) return exit;
            }
            break;
          case "resize":
          case "tick": {
            const next = terminal.size();
            if (
              event.kind === "resize" || next.columns !== size.columns || next.rows !== size.rows
            ) {
              size = next;
              state = setScreenRows(state, size.rows);
              full = true;
            }
            state = { ...state, now: clock() };
            if (event.kind === "tick") startLogRead();
            break;
          }
          case "refreshTick":
            startRefresh();
            break;
          case "update":
            state = event.apply(state);
            if (event.reload) reload();
            break;
        }
      }
      frame.draw(render(state, { ...size, color }), full);
    }
  } finally {
    guard.restore();
    aborter.abort();
    for (const timer of timers) timer.cancel();
    removeResize();
    await input?.stop().catch(() => {});
    await pump;
  }
}
