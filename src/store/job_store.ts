/**
 * JobStore: every job record and its state history in one SQLite file shared by all molq
 * processes. Writes are short IMMEDIATE transactions; state changes are compare-and-set,
 * so a concurrent cancel or another process's reconcile pass wins cleanly.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { JobRecord, SchedulerKind, StateTransition } from "../core/job_record.ts";
import { canTransition, isTerminal, type JobState } from "../core/job_state.ts";
import type { Dependency } from "../core/job_request.ts";
import { insertJobSql, insertValues, rowToRecord, type SqlValue } from "./job_row.ts";
import { listSql, PAGE_ROWS, type PageStart, updateSql } from "./job_sql.ts";
import { openDatabase, type StoreJournal } from "./open_database.ts";
import { claimNotification, clustersWithPendingNotifications } from "./notification_claims.ts";
import { clustersWithUnsettledUsage, openUsageRow } from "./usage_rows.ts";
import { type JobSummary, SUMMARY_COLUMNS, summaryFromArray } from "./job_views.ts";

export type { JobSummary } from "./job_views.ts";

/** Fields a state change or a poll may update besides the state itself. */
export type RecordPatch = Partial<Omit<JobRecord, "jobId" | "state" | "cluster" | "scheduler">>;

/** Which records `JobStore.list` returns; every field narrows the list. */
export interface ListQuery {
  cluster?: string;
  states?: readonly JobState[];
  runLabel?: string;
  jobIds?: readonly string[];
  /** Newest first; default no limit. */
  limit?: number;
  /** Leave out array tasks (their array's record stands for them). */
  topLevelOnly?: boolean;
  /** With `jobIds`: also the tasks of those of them that are arrays. */
  withTasks?: boolean;
  /**
   * In the order the index gives them (no limit): a pass needs no order, and sorting
   * thousands of wide rows is a large part of reading them.
   */
  unordered?: boolean;
}

/**
 * Every job record and its state history in one SQLite file (WAL on local disks), shared by
 * all molq processes; `JobStore.open(path)` opens or creates it.
 */
export class JobStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #writeDepth = 0;
  #recordedEnds = false;

  private constructor(db: DatabaseSync, readonly path: string, readonly journal: StoreJournal) {
    this.#db = db;
  }

  static open(path: string): JobStore {
    const { db, journal } = openDatabase(path);
    return new JobStore(db, path, journal);
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Whether this process recorded a job's end (and so may hold a notification claim of its
   * own to deliver before it exits).
   */
  get recordedEnds(): boolean {
    return this.#recordedEnds;
  }

  /**
   * Runs `work` in one write transaction that takes the write lock up front. Nested calls
   * join the outer transaction, so a reconcile pass can apply many changes in one commit.
   */
  write<T>(work: () => T): T {
    if (this.#writeDepth > 0) return work();
    this.#db.exec("BEGIN IMMEDIATE");
    this.#writeDepth++;
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      // SQLite already rolled back on some errors (disk full, I/O): keep the real error.
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#writeDepth--;
    }
  }

  /** Inserts a new record (state `created` or later) with its first transition. */
  insert(record: JobRecord, reason = "recorded"): void {
    this.write(() => {
      this.#prepare(insertJobSql()).run(...insertValues(record));
      this.#addTransition(record.jobId, null, record.state, record.createdAt, reason);
      for (const dependency of record.request.dependencies) {
        this.#addDependency(record.jobId, dependency);
      }
      // An array task first seen finished ends here rather than in a transition.
      if (isTerminal(record.state) && record.arrayJobId !== null) {
        this.#ended(record.jobId, record.state, record.createdAt);
      }
    });
  }

  get(jobId: string): JobRecord | undefined {
    const row = this.#prepare("SELECT * FROM jobs WHERE job_id = ?").get(jobId);
    return row ? rowToRecord(row as Record<string, unknown>) : undefined;
  }

  /** The newest attempt of a record's retry lineage (an array task is its own). */
  latestAttempt(record: JobRecord): JobRecord {
    if (record.arrayTaskId !== null) return record;
    const row = this.#prepare(
      "SELECT * FROM jobs WHERE lineage_id = ? AND array_task_id IS NULL ORDER BY attempt DESC LIMIT 1",
    ).get(record.lineageId);
    return row ? rowToRecord(row as Record<string, unknown>) : record;
  }

  /** Records whose job id starts with `prefix` (at most `max`). */
  findByPrefix(prefix: string, max = 10): JobRecord[] {
    const upper = prefix + "\uffff";
    return this.#prepare("SELECT * FROM jobs WHERE job_id >= ? AND job_id < ? LIMIT ?")
      .all(prefix, upper, max).map((row) => rowToRecord(row as Record<string, unknown>));
  }

  list(query: ListQuery = {}): JobRecord[] {
    return this.select(query, "*", rowToRecord);
  }

  /**
   * A counter that moves with every change to any job or its usage, in any process
   * (kept by triggers): equal values mean nothing a pass or a view reads has changed.
   */
  changeVersion(): number {
    return Number(this.#prepare("SELECT version FROM job_changes").get()?.version ?? 0);
  }

  /** The rows of `list`'s query with only `columns`, each mapped by `map` (job_views.ts). */
  select<T>(query: ListQuery, columns: string, map: (row: Record<string, unknown>) => T): T[] {
    const { sql, params } = listSql(query, columns);
    return this.#prepare(sql).all(...params).map((row) => map(row as Record<string, unknown>));
  }

  /** As `select`, each row an array of `columns` in order (node:sqlite builds it faster). */
  selectArrays<T>(query: ListQuery, columns: string, map: (row: SqlValue[]) => T): T[] {
    const { sql, params } = listSql(query, columns);
    return (this.#prepareArrays(sql).all(...params) as unknown as SqlValue[][]).map(map);
  }

  /**
   * The records of `list`, read a page at a time as the loop asks for them, so a long listing
   * is never held in memory whole. Pages, not one open statement: `iterate()` of node:sqlite
   * can end quietly on a damaged page, where `all()` reports it.
   */
  iterate(query: ListQuery = {}): Generator<JobRecord> {
    return this.#pages(query, "*", (row) => rowToRecord(row as Record<string, unknown>));
  }

  /** As `iterate`, only the fields a job table shows, read as arrays: no JSON column is parsed. */
  iterateSummaries(query: ListQuery = {}): Generator<JobSummary> {
    return this.#pages(query, SUMMARY_COLUMNS, (row) => summaryFromArray(row as SqlValue[]), true);
  }

  /** Keyset pages (newest first) of `list`'s query; a page ends where the next one starts. */
  *#pages<T extends { createdAt: number; jobId: string }>(
    query: ListQuery,
    columns: string,
    map: (row: unknown) => T,
    arrays = false,
  ): Generator<T> {
    let remaining = query.limit ?? Infinity;
    let after: PageStart | undefined;
    while (remaining > 0) {
      const size = Math.min(PAGE_ROWS, remaining);
      const { sql, params } = listSql({ ...query, limit: size }, columns, after);
      const statement = arrays ? this.#prepareArrays(sql) : this.#prepare(sql);
      const rows = statement.all(...params);
      let last: T | undefined;
      for (const row of rows) yield last = map(row);
      if (rows.length < size || last === undefined) return;
      remaining -= rows.length;
      after = { createdAt: last.createdAt, jobId: last.jobId };
    }
  }

  /**
   * One row of aggregates over the summaries of `list` (`count(*) AS rows, max(length(name))
   * AS name`), computed by SQLite without a record leaving it; `params` bind the `?` in
   * `aggregates`.
   */
  summarize(
    query: ListQuery,
    aggregates: string,
    params: readonly SqlValue[] = [],
  ): Record<string, SqlValue> {
    const list = listSql(query, SUMMARY_COLUMNS);
    const sql = `SELECT ${aggregates} FROM (${list.sql})`;
    return this.#prepare(sql).get(...params, ...list.params) as Record<string, SqlValue>;
  }

  /**
   * Runs `work` in one read transaction: every query in it sees the same snapshot (two
   * passes over a listing find the same rows). Inside `write`, it joins that transaction.
   */
  read<T>(work: () => T): T {
    if (this.#writeDepth > 0 || this.#db.isTransaction) return work();
    this.#db.exec("BEGIN");
    try {
      return work();
    } finally {
      if (this.#db.isTransaction) this.#db.exec("COMMIT");
    }
  }

  /** Compare-and-set: moves `jobId` from `from` to `to` only if it is still in `from`. */
  transition(
    jobId: string,
    from: JobState,
    to: JobState,
    patch: RecordPatch = {},
    reason: string | null = null,
    at = Date.now(),
  ): boolean {
    if (!canTransition(from, to)) return false;
    return this.write(() => {
      const { sql, params } = updateSql(patch, "state = ?", [to]);
      const changed = this.#prepare(`${sql} WHERE job_id = ? AND state = ?`)
        .run(...params, jobId, from).changes;
      if (Number(changed) !== 1) return false;
      this.#addTransition(jobId, from, to, at, reason);
      if (isTerminal(to)) this.#ended(jobId, to, at);
      return true;
    });
  }

  /** Updates non-state fields, only while the record is still in `state` (compare-and-set). */
  update(jobId: string, state: JobState, patch: RecordPatch): boolean {
    const { sql, params } = updateSql(patch);
    if (params.length === 0) return true;
    return Number(
      this.#prepare(`${sql} WHERE job_id = ? AND state = ?`).run(...params, jobId, state).changes,
    ) === 1;
  }

  transitions(jobId: string): StateTransition[] {
    return this.#prepare(
      "SELECT job_id, from_state, to_state, at, reason FROM transitions WHERE job_id = ? ORDER BY id",
    ).all(jobId).map((row) => ({
      jobId: row.job_id as string,
      fromState: (row.from_state ?? null) as JobState | null,
      toState: row.to_state as JobState,
      at: Number(row.at),
      reason: (row.reason ?? null) as string | null,
    }));
  }

  /** Jobs that depend on `jobId`. */
  dependents(jobId: string): { jobId: string; kind: Dependency["kind"] }[] {
    return this.#prepare("SELECT job_id, kind FROM dependencies WHERE upstream_job_id = ?")
      .all(jobId).map((row) => ({
        jobId: row.job_id as string,
        kind: row.kind as Dependency["kind"],
      }));
  }

  /**
   * Names of clusters that have records in a non-terminal state, or finished jobs whose
   * usage is still to settle or whose end notification is still to deliver.
   */
  clustersWithActiveJobs(): Map<string, SchedulerKind> {
    // Cluster by cluster through the (cluster, state) index, not every active record: the
    // walk costs one index seek per cluster the store knows.
    const rows = this.#prepare(
      `WITH RECURSIVE known(name) AS (
         SELECT min(cluster) FROM jobs
         UNION ALL
         SELECT (SELECT min(cluster) FROM jobs WHERE cluster > known.name) FROM known
         WHERE known.name IS NOT NULL
       )
       SELECT name AS cluster, (
         SELECT scheduler FROM jobs
         WHERE cluster = known.name AND state IN ('created','submitted','queued','running')
         LIMIT 1
       ) AS scheduler
       FROM known WHERE name IS NOT NULL AND scheduler IS NOT NULL`,
    ).all();
    const clusters = new Map(
      rows.map((row) => [row.cluster as string, row.scheduler as SchedulerKind]),
    );
    for (const [name, kind] of clustersWithUnsettledUsage(this)) {
      clusters.set(name, kind as SchedulerKind);
    }
    for (const [name, kind] of clustersWithPendingNotifications(this)) {
      clusters.set(name, kind as SchedulerKind);
    }
    return clusters;
  }

  /** The hosts that local jobs in this store ran on. */
  localHosts(): string[] {
    return this.#prepare(
      "SELECT DISTINCT host FROM jobs WHERE scheduler = 'local' AND host IS NOT NULL",
    ).all().map((row) => row.host as string);
  }

  /** The scheduler kind of a cluster's jobs, or undefined when it has none. */
  clusterScheduler(cluster: string): SchedulerKind | undefined {
    const row = this.#prepare("SELECT scheduler FROM jobs WHERE cluster = ? LIMIT 1").get(cluster);
    return row?.scheduler as SchedulerKind | undefined;
  }

  /** Deletes records (with their history); callers decide which. */
  delete(jobIds: readonly string[]): number {
    if (jobIds.length === 0) return 0;
    return this.write(() =>
      Number(
        this.#prepare("DELETE FROM jobs WHERE job_id IN (SELECT value FROM json_each(?))")
          .run(JSON.stringify(jobIds)).changes,
      )
    );
  }

  /** Raw access for the store's sibling modules (cluster bookkeeping, cleanup, benchmarks). */
  prepare(sql: string): StatementSync {
    return this.#prepare(sql);
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** As `#prepare`, a statement whose rows are arrays of its columns in order. */
  #prepareArrays(sql: string): StatementSync {
    const key = `/* arrays */ ${sql}`;
    let statement = this.#statements.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql);
      (statement as StatementSync & { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  #addTransition(
    jobId: string,
    from: JobState | null,
    to: JobState,
    at: number,
    reason: string | null,
  ) {
    this.#prepare(
      "INSERT INTO transitions (job_id, from_state, to_state, at, reason) VALUES (?, ?, ?, ?, ?)",
    ).run(jobId, from, to, at, reason);
  }

  /**
   * A record reached its final state: in the same transaction, open its usage row and
   * claim its end notification, so exactly the process that recorded the end owns both.
   */
  #ended(jobId: string, state: JobState, at: number) {
    this.#recordedEnds = true;
    openUsageRow(this, jobId, at);
    claimNotification(this, jobId, state, at);
  }

  #addDependency(jobId: string, dependency: Dependency) {
    this.#prepare(
      "INSERT OR IGNORE INTO dependencies (job_id, upstream_job_id, kind) VALUES (?, ?, ?)",
    ).run(jobId, dependency.jobId, dependency.kind);
  }
}
