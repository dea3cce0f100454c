/**
 * The store's hot queries use indexes, so their cost grows with the rows they return,
 * not with the size of the store. The SQL is captured from the real code paths (store
 * methods, the reconciler, retention and CLI commands) and checked with EXPLAIN QUERY PLAN.
 */
import { localRunner } from "../src/process/local_runner.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { JobStore } from "../src/store/job_store.ts";
import { applyRetention } from "../src/store/retention.ts";
import { JobReconciler } from "../src/reconcile/job_reconciler.ts";
import { runCli } from "../src/cli/run_cli.ts";
import { ACTIVE_STATES } from "../src/core/job_state.ts";
import type { Scheduler, StatusReport } from "../src/schedulers/scheduler.ts";
import { sampleRecord } from "../src/testing/sample_record.ts";
import { ACTIVE_JOB_COLUMNS, activeJobFromArray } from "../src/store/job_views.ts";
import { unsettledUsage } from "../src/store/usage_rows.ts";

/** Tables that grow with the number of jobs: reading them whole is what must not happen. */
const GROWING_TABLES = ["jobs", "transitions", "dependencies"];

interface Fixture {
  dir: string;
  db: string;
  config: string;
  array: string;
  upstream: string;
  retry: string;
}

function fixture(): Fixture {
  const dir = Deno.makeTempDirSync({ prefix: "molq-query-plan-" });
  const db = join(dir, "jobs.db");
  const config = join(dir, "config.toml");
  Deno.writeTextFileSync(config, "");
  const store = JobStore.open(db);
  const upstream = sampleRecord({ state: "succeeded", schedulerJobId: "100", finishedAt: 1 });
  const array = sampleRecord({
    cluster: "fake",
    state: "running",
    schedulerJobId: "200",
    request: { ...upstream.request, scheduling: { array: "0-1" } },
  });
  const dependent = sampleRecord({
    state: "queued",
    schedulerJobId: "300",
    request: { ...upstream.request, dependencies: [{ kind: "afterok", jobId: upstream.jobId }] },
  });
  const retry = sampleRecord({
    attempt: 2,
    lineageId: upstream.jobId,
    previousAttemptId: upstream.jobId,
    state: "created",
  });
  for (const record of [upstream, array, dependent, retry]) store.insert(record);
  store.close();
  return { dir, db, config, array: array.jobId, upstream: upstream.jobId, retry: retry.jobId };
}

/** Every SQL statement prepared while `work` runs (the store caches, so open a new one). */
async function captureSql(work: () => unknown): Promise<string[]> {
  let owner: object | null = DatabaseSync.prototype;
  while (owner && !Object.hasOwn(owner, "prepare")) owner = Object.getPrototypeOf(owner);
  assert.ok(owner, "node:sqlite's DatabaseSync has no prepare method");
  const target = owner as { prepare: (this: DatabaseSync, sql: string) => unknown };
  const original = target.prepare;
  const seen = new Set<string>();
  target.prepare = function (this: DatabaseSync, sql: string) {
    seen.add(sql);
    return original.call(this, sql);
  };
  try {
    await work();
  } finally {
    target.prepare = original;
  }
  return [...seen].filter((sql) => /^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(sql));
}

function plan(db: string, sql: string): string[] {
  const connection = new DatabaseSync(db, { readOnly: true });
  try {
    return connection.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((row) => String(row.detail));
  } finally {
    connection.close();
  }
}

/** Fails for a plan step that reads a growing table whole (`SCAN jobs`, no index). */
function assertIndexed(db: string, sql: string): string[] {
  const steps = plan(db, sql);
  for (const step of steps) {
    const table = /^SCAN (\w+)(.*)$/.exec(step);
    if (table && GROWING_TABLES.includes(table[1]!) && !/USING (COVERING )?INDEX/.test(table[2]!)) {
      assert.fail(
        `This query reads the whole "${table[1]}" table (no index):\n  ${
          sql.replace(/\s+/g, " ").trim()
        }\nplan: ${steps.join(" | ")}\nAdd an index in a new migration in src/store/schema.ts.`,
      );
    }
  }
  return steps;
}

/** Asserts a keyed lookup: an index SEARCH on `table`, not a walk over it. */
function assertSearch(db: string, sql: string, table: string, index?: string): void {
  const steps = assertIndexed(db, sql);
  const pattern = new RegExp(`^SEARCH ${table} USING (COVERING )?(INDEX|PRIMARY KEY)\\b`);
  const search = steps.find((step) => pattern.test(step));
  assert.ok(
    search,
    `expected an index search on ${table} for:\n  ${sql}\nplan: ${steps.join(" | ")}`,
  );
  if (index) assert.match(search, new RegExp(`\\b${index}\\b`), `plan: ${steps.join(" | ")}`);
}

async function withFixture(test: (f: Fixture) => Promise<void> | void): Promise<void> {
  const f = fixture();
  try {
    await test(f);
  } finally {
    Deno.removeSync(f.dir, { recursive: true });
  }
}

/** The SQL a store method prepares (a new store: statements are cached per store). */
async function storeSql(f: Fixture, work: (store: JobStore) => unknown): Promise<string[]> {
  const store = JobStore.open(f.db);
  try {
    return await captureSql(() => work(store));
  } finally {
    store.close();
  }
}

/** The SQL a CLI command prepares, run in this process with its output swallowed. */
function cliSql(f: Fixture, args: string[]): Promise<string[]> {
  return captureSql(async () => {
    const log = console.log;
    console.log = () => {};
    try {
      const code = await runCli(["--db", f.db, "--config", f.config, ...args], f.dir);
      assert.equal(code, 0, `molq ${args.join(" ")} failed`);
    } finally {
      console.log = log;
    }
  });
}

Deno.test("list by cluster and state, newest first, reads an index", () =>
  withFixture(async (f) => {
    const queries = await storeSql(f, (store) => {
      store.list({ cluster: "local", states: ["running"], limit: 200 });
      store.list({ cluster: "local", limit: 200 });
      store.list({ states: ACTIVE_STATES, limit: 200 });
      store.list({ runLabel: "sweep", limit: 200 });
    });
    assert.equal(queries.length, 4);
    for (const sql of queries) assertSearch(f.db, sql, "jobs");
  }));

Deno.test("list of all jobs newest first walks the creation-time index", () =>
  withFixture(async (f) => {
    const [sql] = await storeSql(f, (store) => store.list({ limit: 200 }));
    const steps = assertIndexed(f.db, sql!);
    assert.ok(steps.some((s) => /^SCAN jobs USING (COVERING )?INDEX/.test(s)), steps.join(" | "));
  }));

Deno.test("a later page of a listing searches below its bound, by state and by creation time", () =>
  withFixture(async (f) => {
    const filler = JobStore.open(f.db);
    // More than a page (500 rows) of running jobs, so each listing reads a second page.
    filler.write(() => {
      for (let i = 0; i < 520; i++) filler.insert(sampleRecord({ state: "running" }));
    });
    filler.close();
    const store = JobStore.open(f.db);
    const queries = await captureSql(() => {
      for (const states of [ACTIVE_STATES, undefined]) {
        for (const _ of store.iterateSummaries({ states, limit: 600 })) { /* every page */ }
      }
    });
    store.close();
    const later = queries.filter((sql) => sql.includes("(created_at, job_id) < (?, ?)"));
    assert.equal(later.length, 2, queries.join("\n"));
    for (const sql of later) {
      const steps = assertIndexed(f.db, sql);
      const bounded = steps.find((step) =>
        /INDEX jobs_(state_created|created_id) \(.*\(created_at,job_id\)<\(\?,\?\)\)/.test(step)
      );
      assert.ok(bounded, `the bound is not searched in an index: ${steps.join(" | ")}`);
    }
  }));

Deno.test("the clusters with active jobs are found one index seek per cluster", () =>
  withFixture(async (f) => {
    const queries = await storeSql(f, (store) => store.clustersWithActiveJobs());
    const walk = queries.find((sql) => /WITH RECURSIVE known/.test(sql));
    assert.ok(walk, queries.join("\n"));
    const steps = assertIndexed(f.db, walk);
    const reads = steps.filter((step) => /^(SEARCH|SCAN) jobs\b/.test(step));
    assert.ok(reads.length > 0, steps.join(" | "));
    for (const step of reads) assert.match(step, /INDEX jobs_cluster_state\b/, steps.join(" | "));
  }));

Deno.test("active jobs of a cluster (the reconciler's load) search (cluster, state), unsorted", () =>
  withFixture(async (f) => {
    const [sql] = await storeSql(
      f,
      (store) =>
        store.selectArrays(
          { cluster: "slurm", states: ACTIVE_STATES, unordered: true },
          ACTIVE_JOB_COLUMNS,
          activeJobFromArray,
        ),
    );
    assertSearch(f.db, sql!, "jobs", "jobs_cluster_state");
    const steps = assertIndexed(f.db, sql!);
    assert.ok(!steps.some((step) => /TEMP B-TREE/.test(step)), steps.join(" | "));
  }));

Deno.test("a pass looks for unsettled usage through its partial index, not the cluster's jobs", () =>
  withFixture(async (f) => {
    const [sql] = await storeSql(f, (store) => unsettledUsage(store, "local"));
    const steps = assertIndexed(f.db, sql!);
    assert.ok(
      steps.some((s) => /^SCAN u USING INDEX job_usage_unsettled/.test(s)),
      steps.join(" | "),
    );
    assertSearch(f.db, sql!, "j", "sqlite_autoindex_jobs_1");
  }));

Deno.test("job id prefix lookup searches the primary key", () =>
  withFixture(async (f) => {
    const queries = await storeSql(f, (store) => {
      store.findByPrefix("3f2a");
      store.get(f.upstream);
    });
    for (const sql of queries) assertSearch(f.db, sql, "jobs", "sqlite_autoindex_jobs_1");
  }));

Deno.test("transitions of a job and its dependents are index lookups", () =>
  withFixture(async (f) => {
    const [transitions] = await storeSql(f, (store) => store.transitions(f.upstream));
    assertSearch(f.db, transitions!, "transitions", "transitions_job");
    const [dependents] = await storeSql(f, (store) => store.dependents(f.upstream));
    assertSearch(f.db, dependents!, "dependencies", "dependencies_upstream");
  }));

Deno.test("lineage lookup (molq inspect) searches the lineage index", () =>
  withFixture(async (f) => {
    const inspect = await cliSql(f, ["inspect", f.retry]);
    const lineage = inspect.filter((sql) => /lineage_id/.test(sql));
    assert.ok(lineage.length > 0, "molq inspect no longer looks up the lineage");
    for (const sql of lineage) assertSearch(f.db, sql, "jobs", "jobs_lineage");
    for (const sql of inspect) assertIndexed(f.db, sql);
  }));

Deno.test("a reconcile pass with array tasks uses indexes only", () =>
  withFixture(async (f) => {
    const queries = await captureSql(async () => {
      const store = JobStore.open(f.db);
      try {
        const reconciler = new JobReconciler(store, "fake", arrayScheduler(f.array), {
          minIntervalMs: 0,
          commandTimeoutMs: 1_000,
        });
        const result = await reconciler.reconcile({ force: true });
        assert.equal(result.error, null);
      } finally {
        store.close();
      }
    });
    const arrayQueries = queries.filter((sql) => /array_job_id\s*=/.test(sql));
    assert.ok(arrayQueries.length > 0, "the pass no longer looks up array tasks");
    for (const sql of arrayQueries) assertSearch(f.db, sql, "jobs", "jobs_array");
    for (const sql of queries) assertIndexed(f.db, sql);
    // The load of the cluster's active jobs sorts nothing: a pass needs no order.
    const load = queries.filter((sql) => sql.includes(ACTIVE_JOB_COLUMNS));
    assert.ok(load.length > 0, "the pass no longer loads its active jobs");
    for (const sql of load) {
      const steps = assertIndexed(f.db, sql);
      assert.ok(!steps.some((step) => /TEMP B-TREE/.test(step)), steps.join(" | "));
    }
  }));

Deno.test("a pass over some jobs (status, logs, watch) looks them up by key, not the cluster's", () =>
  withFixture(async (f) => {
    const queries = await storeSql(f, (store) =>
      store.selectArrays(
        { cluster: "fake", states: ACTIVE_STATES, jobIds: [f.array], withTasks: true },
        ACTIVE_JOB_COLUMNS,
        activeJobFromArray,
      ));
    assert.equal(queries.length, 1);
    const steps = assertIndexed(f.db, queries[0]!);
    const reads = steps.filter((step) => /^(SEARCH|SCAN) jobs\b/.test(step));
    assert.ok(
      reads.some((step) => /sqlite_autoindex_jobs_1 \(job_id=\?\)/.test(step)),
      steps.join(" | "),
    );
    assert.ok(reads.some((step) => /jobs_array \(array_job_id=\?\)/.test(step)), steps.join(" | "));
    assert.ok(!reads.some((step) => /jobs_cluster_state/.test(step)), steps.join(" | "));
  }));

Deno.test("cleanup's selection and deletes use indexes", () =>
  withFixture(async (f) => {
    const queries = await storeSql(f, (store) => {
      applyRetention(store, {
        dirsOlderThanMs: 0,
        recordsOlderThanMs: 0,
        keepFailedDirs: true,
        dryRun: false,
        now: Date.now() + 1_000,
      });
    });
    assert.ok(queries.some((sql) => /^\s*DELETE FROM jobs/i.test(sql)), "cleanup deleted nothing");
    for (const sql of queries) assertIndexed(f.db, sql);
  }));

Deno.test("the read commands and refresh (list, status, clusters) use indexes only", () =>
  withFixture(async (f) => {
    const queries = [
      ...await cliSql(f, ["list"]), // refreshes every cluster with active jobs first
      ...await cliSql(f, ["refresh", "--force"]),
      ...await cliSql(f, ["list", "--no-refresh"]),
      ...await cliSql(f, ["list", "--all", "--no-refresh", "--cluster", "local"]),
      ...await cliSql(f, ["status", f.upstream.slice(0, 8), "--no-refresh"]),
      ...await cliSql(f, ["clusters"]),
    ];
    for (const sql of queries) assertIndexed(f.db, sql);
  }));

/** A scheduler that reports two tasks of the array job and nothing else. */
function arrayScheduler(arrayJobId: string): Scheduler {
  return {
    kind: "slurm",
    runner: localRunner,
    validate: () => {},
    submit: () => Promise.reject(new Error("not used")),
    cancel: () => Promise.resolve(),
    status: (): Promise<StatusReport> =>
      Promise.resolve({
        observations: new Map(),
        newArrayTasks: ["0", "1"].map((taskId) => ({
          arrayJobId,
          taskId,
          schedulerJobId: `200_${taskId}`,
          observation: { state: "running" as const },
        })),
        commandCalls: 1,
      }),
  };
}
