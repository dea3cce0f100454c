/**
 * The SSH links to remote clusters, shared by every molq process on this machine through
 * the store (tables `ssh_links`, `ssh_connects`): one new connection per interval however
 * many processes want one, the session limit a server taught us, and how the link behaved.
 */
import type { JobStore } from "./job_store.ts";
import {
  type ConnectionLedger,
  EMPTY_LINK,
  type LinkRecord,
  type LinkState,
} from "../remote/connection_ledger.ts";
import { nextLinkRecord } from "../remote/connection_budget.ts";

const HOUR_MS = 3_600_000;

export class StoreConnectionLedger implements ConnectionLedger {
  constructor(readonly store: JobStore) {}

  readLink(cluster: string): LinkRecord {
    const row = this.store.prepare(
      `SELECT last_connect_at, session_limit, link_state, link_error, link_error_at
       FROM ssh_links WHERE cluster = ?`,
    ).get(cluster);
    if (!row) return { ...EMPTY_LINK };
    const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return {
      lastConnectAt: num(row.last_connect_at),
      sessionLimit: num(row.session_limit),
      linkState: (row.link_state ?? null) as LinkState | null,
      linkError: (row.link_error ?? null) as string | null,
      linkErrorAt: num(row.link_error_at),
    };
  }

  /** Atomic across processes: the write lock is taken before the last connection is read. */
  claimConnect(cluster: string, at: number, intervalMs: number): boolean {
    return this.store.write(() => {
      const changed = this.store.prepare(
        `INSERT INTO ssh_links (cluster, last_connect_at) VALUES (?, ?)
         ON CONFLICT (cluster) DO UPDATE SET last_connect_at = excluded.last_connect_at
         WHERE last_connect_at IS NULL OR last_connect_at <= ? OR last_connect_at > ?`,
      ).run(cluster, at, at - intervalMs, at + intervalMs).changes;
      if (Number(changed) !== 1) return false;
      this.#addConnect(cluster, at);
      return true;
    });
  }

  recordConnect(cluster: string, at: number): void {
    this.store.write(() => {
      this.store.prepare(
        `INSERT INTO ssh_links (cluster, last_connect_at) VALUES (?, ?)
         ON CONFLICT (cluster) DO UPDATE SET last_connect_at = excluded.last_connect_at`,
      ).run(cluster, at);
      this.#addConnect(cluster, at);
    });
  }

  connectsSince(cluster: string, since: number): number {
    const row = this.store.prepare(
      "SELECT count(*) AS n FROM ssh_connects WHERE cluster = ? AND at >= ?",
    ).get(cluster, since);
    return Number(row?.n ?? 0);
  }

  recordSessionLimit(cluster: string, limit: number): void {
    this.store.write(() =>
      this.store.prepare(
        `INSERT INTO ssh_links (cluster, session_limit) VALUES (?, ?)
         ON CONFLICT (cluster) DO UPDATE SET session_limit = excluded.session_limit`,
      ).run(cluster, limit)
    );
  }

  recordLinkState(cluster: string, state: LinkState, error: string | null, at: number): void {
    this.store.write(() => {
      const next = nextLinkRecord(this.readLink(cluster), state, error, at);
      this.store.prepare(
        `INSERT INTO ssh_links (cluster, link_state, link_error, link_error_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (cluster) DO UPDATE SET link_state = excluded.link_state,
           link_error = excluded.link_error, link_error_at = excluded.link_error_at`,
      ).run(cluster, next.linkState, next.linkError, next.linkErrorAt);
    });
  }

  #addConnect(cluster: string, at: number): void {
    this.store.prepare("INSERT INTO ssh_connects (cluster, at) VALUES (?, ?)").run(cluster, at);
    this.store.prepare("DELETE FROM ssh_connects WHERE cluster = ? AND at < ?").run(
      cluster,
      at - HOUR_MS,
    );
  }
}
