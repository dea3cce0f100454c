/**
 * What every molq process on this machine shares about its SSH links to a cluster (kept in
 * the store, tables `ssh_links` and `ssh_connects`): when a connection was last opened, how
 * many were opened lately, how many sessions the server lets one connection carry, and how
 * the link last behaved. `MemoryConnectionLedger` is the same contract for one process.
 */
import {
  connectDecision,
  type LinkRecord,
  type LinkState,
  nextLinkRecord,
} from "./connection_budget.ts";

export type { LinkRecord, LinkState };

export const EMPTY_LINK: LinkRecord = {
  lastConnectAt: null,
  sessionLimit: null,
  linkState: null,
  linkError: null,
  linkErrorAt: null,
};

export interface ConnectionLedger {
  readLink(cluster: string): LinkRecord;
  /**
   * Claims the right to open a new connection at `at`: atomically, if no connection was
   * opened in the `intervalMs` before it, sets `last_connect_at = at`, adds an
   * `ssh_connects` row and returns true; otherwise changes nothing and returns false.
   * Over SQLite, one IMMEDIATE transaction:
   *   INSERT INTO ssh_links(cluster, last_connect_at) VALUES (:c, :at)
   *   ON CONFLICT(cluster) DO UPDATE SET last_connect_at = :at
   *   WHERE last_connect_at IS NULL OR last_connect_at <= :at - :interval
   *      OR last_connect_at > :at + :interval;   -- changes() = 1: claimed
   *   INSERT INTO ssh_connects(cluster, at) VALUES (:c, :at)  -- only when claimed
   */
  claimConnect(cluster: string, at: number, intervalMs: number): boolean;
  /**
   * Records a connection opened without a claim (`molq connect`: the user asked for it):
   * sets `last_connect_at` and adds an `ssh_connects` row.
   */
  recordConnect(cluster: string, at: number): void;
  /** Connections opened since `since` (epoch ms), e.g. in the last hour. */
  connectsSince(cluster: string, since: number): number;
  recordSessionLimit(cluster: string, limit: number): void;
  /** Records an outcome; see `nextLinkRecord()` for how the "since" time is kept. */
  recordLinkState(cluster: string, state: LinkState, error: string | null, at: number): void;
}

/** The ledger for one process (tests, or a machine without a store). */
export class MemoryConnectionLedger implements ConnectionLedger {
  readonly #links = new Map<string, LinkRecord>();
  readonly #connects: Array<{ cluster: string; at: number }> = [];

  readLink(cluster: string): LinkRecord {
    return { ...(this.#links.get(cluster) ?? EMPTY_LINK) };
  }

  claimConnect(cluster: string, at: number, intervalMs: number): boolean {
    const link = this.readLink(cluster);
    if (!connectDecision(link.lastConnectAt, at, intervalMs).allowed) return false;
    this.#links.set(cluster, { ...link, lastConnectAt: at });
    this.#connects.push({ cluster, at });
    return true;
  }

  recordConnect(cluster: string, at: number): void {
    this.#links.set(cluster, { ...this.readLink(cluster), lastConnectAt: at });
    this.#connects.push({ cluster, at });
  }

  connectsSince(cluster: string, since: number): number {
    return this.#connects.filter((row) => row.cluster === cluster && row.at >= since).length;
  }

  recordSessionLimit(cluster: string, limit: number): void {
    this.#links.set(cluster, { ...this.readLink(cluster), sessionLimit: limit });
  }

  recordLinkState(cluster: string, state: LinkState, error: string | null, at: number): void {
    this.#links.set(cluster, nextLinkRecord(this.readLink(cluster), state, error, at));
  }
}
