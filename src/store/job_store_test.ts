import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { sampleRecord } from "../testing/sample_record.ts";
import { JobStore } from "./job_store.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

function tempDbPath(): string {
  return join(Deno.makeTempDirSync({ prefix: "molq-store-" }), "sub", "jobs.db");
}

Deno.test("JobStore round-trips a record and creates a private file in WAL mode", () => {
  const path = tempDbPath();
  const store = JobStore.open(path);
  const record = sampleRecord({ metadata: { "molq.stdout_path": "/x/out", user: "v" } });
  store.insert(record);
  assert.deepEqual(store.get(record.jobId), record);
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(join(path, "..")).mode! & 0o777, 0o700);
  const mode = store.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
  assert.equal(mode.journal_mode, "wal");
  store.close();
});

Deno.test("JobStore.transition() is compare-and-set and writes a transition row", () => {
  const store = JobStore.open(tempDbPath());
  const record = sampleRecord();
  store.insert(record);
  assert.equal(
    store.transition(record.jobId, "created", "submitted", { schedulerJobId: "42" }),
    true,
  );
  assert.equal(store.transition(record.jobId, "created", "failed"), false, "stale expected state");
  assert.equal(
    store.transition(record.jobId, "submitted", "succeeded", { exitCode: 0 }, "done"),
    true,
  );
  assert.equal(store.transition(record.jobId, "succeeded", "failed"), false, "terminal stays");
  const saved = store.get(record.jobId)!;
  assert.equal(saved.state, "succeeded");
  assert.equal(saved.schedulerJobId, "42");
  assert.deepEqual(
    store.transitions(record.jobId).map((t) => [t.fromState, t.toState, t.reason]),
    [[null, "created", "recorded"], ["created", "submitted", null], [
      "submitted",
      "succeeded",
      "done",
    ]],
  );
  store.close();
});

Deno.test("JobStore.recordedEnds says whether this process recorded a job's end", () => {
  const path = tempDbPath();
  const store = JobStore.open(path);
  const record = sampleRecord();
  store.insert(record);
  store.transition(record.jobId, "created", "submitted", { schedulerJobId: "42" });
  assert.equal(store.recordedEnds, false, "no end yet");
  store.transition(record.jobId, "submitted", "failed", {}, "refused");
  assert.equal(store.recordedEnds, true);
  store.close();
  // Another process (here: another connection) has recorded none of its own.
  const again = JobStore.open(path);
  assert.equal(again.recordedEnds, false);
  again.close();
});

Deno.test("JobStore.transition() refuses to move backwards", () => {
  const store = JobStore.open(tempDbPath());
  const record = sampleRecord({ state: "running" });
  store.insert(record);
  assert.equal(store.transition(record.jobId, "running", "queued"), false);
  assert.equal(store.get(record.jobId)!.state, "running");
  store.close();
});

Deno.test("JobStore.findByPrefix() and list() filter and order newest first", () => {
  const store = JobStore.open(tempDbPath());
  const a = sampleRecord({ jobId: "aaaa1111", createdAt: 1 });
  const b = sampleRecord({ jobId: "aaaa2222", createdAt: 2, cluster: "hpc", state: "running" });
  const c = sampleRecord({ jobId: "bbbb3333", createdAt: 3, state: "succeeded", runLabel: "r1" });
  for (const r of [a, b, c]) store.insert(r);
  assert.deepEqual(store.findByPrefix("aaaa").map((r) => r.jobId).sort(), ["aaaa1111", "aaaa2222"]);
  assert.deepEqual(store.list().map((r) => r.jobId), ["bbbb3333", "aaaa2222", "aaaa1111"]);
  assert.deepEqual(store.list({ states: ["running"] }).map((r) => r.jobId), ["aaaa2222"]);
  assert.deepEqual(store.list({ cluster: "hpc" }).map((r) => r.jobId), ["aaaa2222"]);
  assert.deepEqual(store.list({ runLabel: "r1" }).map((r) => r.jobId), ["bbbb3333"]);
  assert.deepEqual(store.list({ limit: 1 }).map((r) => r.jobId), ["bbbb3333"]);
  assert.deepEqual([...store.clustersWithActiveJobs()].sort(), [["hpc", "local"], [
    "local",
    "local",
  ]]);
  assert.equal(store.clusterScheduler("hpc"), "local");
  assert.equal(store.clusterScheduler("nope"), undefined);
  store.close();
});

Deno.test("JobStore migrates a file written with schema version 1 in place, after a backup", () => {
  const path = tempDbPath();
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  const old = new DatabaseSync(path);
  old.exec(MIGRATIONS[0]!);
  old.exec("PRAGMA user_version = 1");
  old.prepare(
    `INSERT INTO jobs (job_id, cluster, scheduler, state, created_at, command_json, command_display,
      cwd, job_dir, metadata_json, request_json, lineage_id)
     VALUES ('old-1', 'local', 'local', 'succeeded', 5, '{"type":"argv","argv":["true"]}', 'true',
      '/tmp', '/tmp/j', '{}', '{"dependencies":[]}', 'old-1')`,
  ).run();
  old.close();
  const store = JobStore.open(path);
  const version = store.prepare("PRAGMA user_version").get() as { user_version: number };
  assert.equal(version.user_version, SCHEMA_VERSION);
  const record = store.get("old-1")!;
  assert.equal(record.state, "succeeded");
  assert.equal(record.missingPolls, 0);
  assert.equal(record.runLabel, null);
  store.close();
  const backups = [...Deno.readDirSync(join(path, ".."))].filter((e) => e.name.endsWith(".bak"));
  assert.equal(backups.length, 1);
  assert.match(backups[0]!.name, /^jobs\.db\.v1-\d+\.bak$/);
});

Deno.test("the request figures a pass reads follow the request: insert, update, migration", () => {
  const path = tempDbPath();
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  const old = new DatabaseSync(path);
  for (const migration of MIGRATIONS.slice(0, 6)) old.exec(migration);
  old.exec("PRAGMA user_version = 6");
  const before = sampleRecord();
  const request = {
    ...before.request,
    resources: { ...before.request.resources, timeLimitSeconds: 90, memoryBytes: 2048 },
    scheduling: { ...before.request.scheduling, array: "0-3" },
  };
  old.prepare(
    `INSERT INTO jobs (job_id, cluster, scheduler, state, created_at, command_json, command_display,
      cwd, job_dir, metadata_json, request_json, lineage_id)
     VALUES ('old-1', 'local', 'local', 'running', 5, '{"type":"argv","argv":["true"]}', 'true',
      '/tmp', '/tmp/j', '{}', ?, 'old-1')`,
  ).run(JSON.stringify(request));
  old.close();
  const store = JobStore.open(path);
  const figures = (jobId: string) =>
    store.prepare(
      `SELECT request_time_limit_seconds AS t, request_array AS a, request_memory_bytes AS m
       FROM jobs WHERE job_id = ?`,
    ).get(jobId) as { t: number | null; a: string | null; m: number | null };
  assert.deepEqual({ ...figures("old-1") }, { t: 90, a: "0-3", m: 2048 }, "filled by migration 7");
  const record = sampleRecord({ request });
  store.insert(record);
  assert.deepEqual({ ...figures(record.jobId) }, { t: 90, a: "0-3", m: 2048 }, "insert");
  const plain = { ...request, resources: { cpus: 1 }, scheduling: {} };
  assert.ok(store.update(record.jobId, record.state, { request: plain }));
  assert.deepEqual({ ...figures(record.jobId) }, { t: null, a: null, m: null }, "update");
  assert.deepEqual(store.get(record.jobId)!.request, plain);
  store.close();
});

Deno.test("JobStore refuses a store from a newer molq without touching it", () => {
  const path = tempDbPath();
  JobStore.open(path).close();
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const before = Deno.readFileSync(path);
  assert.throws(
    () => JobStore.open(path),
    new RegExp(`was written by a newer molq \\(schema version ${SCHEMA_VERSION + 1}`),
  );
  assert.deepEqual(Deno.readFileSync(path), before);
});

Deno.test("JobStore refuses a file that is not SQLite, and one that is another database", () => {
  const path = tempDbPath();
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  Deno.writeTextFileSync(path, "this is not a database at all, just some text ".repeat(100));
  const before = Deno.readFileSync(path);
  assert.throws(() => JobStore.open(path), /is not a molq store/);
  assert.deepEqual(Deno.readFileSync(path), before);
  const other = join(path, "..", "other.db");
  const db = new DatabaseSync(other);
  db.exec("CREATE TABLE notes (x)");
  db.close();
  assert.throws(() => JobStore.open(other), /is an SQLite database, but not a molq store/);
});

Deno.test("JobStore.iterate() pages through a long listing in list()'s order, limits included", () => {
  const store = JobStore.open(tempDbPath());
  // Ties on created_at across page boundaries: the job id breaks them, as in list().
  store.write(() => {
    for (let i = 0; i < 1234; i++) store.insert(sampleRecord({ createdAt: 1000 + (i % 7) }));
  });
  const ids = (records: Iterable<{ jobId: string }>) => [...records].map((r) => r.jobId);
  const all = ids(store.list({}));
  assert.deepEqual(ids(store.iterate({})), all);
  assert.deepEqual(ids(store.iterate({ limit: 777 })), all.slice(0, 777));
  assert.deepEqual(ids(store.iterateSummaries({ limit: 1001 })), all.slice(0, 1001));
  store.close();
});
