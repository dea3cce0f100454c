/**
 * The connection budget for a cluster, as pure arithmetic: at most one new connection per
 * 15 s across every molq process, at most 4 sessions at once on one master (halved, down
 * to 1, each time the server refuses one, and remembered), and the link state shown to
 * the user (connected / needs login / unreachable since T / ok).
 */

/** How the link behaved when last used: it worked, it failed, or it needs `molq connect`. */
export type LinkState = "ok" | "unreachable" | "needs-login";

/** One row of `ssh_links` (all null for a cluster never used). */
export interface LinkRecord {
  /** Epoch ms of the last new connection (a master), from any process. */
  lastConnectAt: number | null;
  /** Sessions one master may carry at once, once lowered by a refusal; null: the default. */
  sessionLimit: number | null;
  linkState: LinkState | null;
  /** The last failure, one sentence; null after a success. */
  linkError: string | null;
  /** Since when the link has been failing this way (kept while the failure repeats). */
  linkErrorAt: number | null;
}

export const CONNECT_INTERVAL_MS = 15_000;
export const DEFAULT_SESSION_LIMIT = 4;
export const MIN_SESSION_LIMIT = 1;
/** The window `molq clusters` counts new connections in. */
export const CONNECTS_WINDOW_MS = 3_600_000;

export type ConnectDecision = { allowed: true } | { allowed: false; retryInMs: number };

/**
 * May a new connection be opened at `now`, the last one having been opened at
 * `lastConnectAt`? A last time far in the future (the clock was set back) does not block.
 */
export function connectDecision(
  lastConnectAt: number | null,
  now: number,
  intervalMs = CONNECT_INTERVAL_MS,
): ConnectDecision {
  if (lastConnectAt === null) return { allowed: true };
  const elapsed = now - lastConnectAt;
  if (elapsed >= intervalMs || elapsed < -intervalMs) return { allowed: true };
  return { allowed: false, retryInMs: intervalMs - Math.max(elapsed, 0) };
}

/** Sessions one master may carry at once: the remembered limit, or the default. */
export function sessionLimit(stored: number | null): number {
  if (stored === null || !Number.isInteger(stored)) return DEFAULT_SESSION_LIMIT;
  return Math.min(DEFAULT_SESSION_LIMIT, Math.max(MIN_SESSION_LIMIT, stored));
}

/** The limit after the server refused a session. */
export function halvedSessionLimit(current: number): number {
  return Math.max(MIN_SESSION_LIMIT, Math.floor(sessionLimit(current) / 2));
}

/** ssh's words when the server's MaxSessions is reached on a shared connection. */
export function isSessionRefused(sshStderr: string): boolean {
  return /Session open refused by peer|open failed: administratively prohibited/i.test(
    sshStderr,
  );
}

/**
 * A ledger row after an outcome at `at`: a failure keeps the time the failing began while
 * it repeats (so "unreachable since T" is the start of the outage); a success clears it.
 */
export function nextLinkRecord(
  record: LinkRecord,
  state: LinkState,
  error: string | null,
  at: number,
): LinkRecord {
  if (state === "ok") return { ...record, linkState: "ok", linkError: null, linkErrorAt: null };
  const continuing = record.linkState === state && record.linkErrorAt !== null;
  return {
    ...record,
    linkState: state,
    linkError: error,
    linkErrorAt: continuing ? record.linkErrorAt : at,
  };
}

export type LinkDisplay =
  | { state: "connected" }
  | { state: "needs login"; error: string | null }
  | { state: "unreachable"; since: number; error: string | null }
  | { state: "ok" };

/**
 * What `molq clusters` shows for a cluster: a live master wins; without one, an
 * interactive cluster (or one whose login failed) needs `molq connect`; a failing link is
 * unreachable since it began failing; otherwise the link is fine (keys connect on demand).
 */
export function deriveLinkDisplay(
  masterUp: boolean,
  auth: "batch" | "interactive",
  record: LinkRecord,
): LinkDisplay {
  if (masterUp) return { state: "connected" };
  if (auth === "interactive" || record.linkState === "needs-login") {
    return { state: "needs login", error: record.linkError };
  }
  if (record.linkState === "unreachable" && record.linkErrorAt !== null) {
    return { state: "unreachable", since: record.linkErrorAt, error: record.linkError };
  }
  return { state: "ok" };
}

/** One phrase for a table cell: `unreachable since 2025-01-02 03:04`. */
export function describeLinkDisplay(
  display: LinkDisplay,
  formatTime: (epochMs: number) => string = (ms) =>
    new Date(ms).toISOString().slice(0, 16).replace("T", " "),
): string {
  return display.state === "unreachable"
    ? `unreachable since ${formatTime(display.since)}`
    : display.state;
}
