/**
 * Stores from before molq recorded hosts: the upgrade remembers the host that migrated the
 * store, and only that host judges local records that no host proves to be running.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { JobStore } from "../store/job_store.ts";
import { MIGRATIONS } from "../store/schema.ts";
import { LEGACY_LOCAL_HOST_KEY } from "../store/open_database.ts";
import { LocalScheduler } from "../schedulers/local.ts";
import { JobReconciler } from "./job_reconciler.ts";
import { sampleRecord } from "../testing/sample_record.ts";

/** A schema-2 store (before hosts) holding one running local job whose wrapper is gone. */
function legacyStore(): { path: string; jobId: string } {
  const path = join(Deno.makeTempDirSync({ prefix: "molq-legacy-" }), "jobs.db");
  const db = new DatabaseSync(path);
  db.exec(MIGRATIONS[0]!);
  db.exec(MIGRATIONS[1]!);
  db.exec("PRAGMA user_version = 2");
  const record = sampleRecord({ state: "running", schedulerJobId: "999999", submittedAt: 1 });
  db.prepare(
    `INSERT INTO jobs (job_id, cluster, scheduler, scheduler_job_id, state, created_at,
       submitted_at, command_json, command_display, cwd, job_dir, metadata_json, request_json,
       lineage_id)
     VALUES (?, 'local', 'local', '999999', 'running', 1, 1, ?, 'true', '/tmp', ?, '{}', ?, ?)`,
  ).run(
    record.jobId,
    JSON.stringify(record.command),
    record.jobDir,
    JSON.stringify(record.request),
    record.jobId,
  );
  db.close();
  return { path, jobId: record.jobId };
}

function pass(store: JobStore) {
  return new JobReconciler(store, "local", new LocalScheduler(), {
    minIntervalMs: 0,
    commandTimeoutMs: 10_000,
    lostGraceMs: 0,
    lostMinPolls: 2,
  }).reconcile({ force: true });
}

Deno.test("an upgraded store keeps its local records and remembers the host that upgraded it", () => {
  const { path, jobId } = legacyStore();
  const store = JobStore.open(path);
  const meta = store.prepare("SELECT value FROM store_meta WHERE key = ?").get(
    LEGACY_LOCAL_HOST_KEY,
  );
  assert.equal(meta?.value, Deno.hostname());
  const record = store.get(jobId)!;
  assert.equal(record.state, "running");
  assert.equal(record.host, null, "no host is invented for it");
  store.close();
});

Deno.test("only the upgrading host judges a legacy local job that no host finds running", async () => {
  const { path, jobId } = legacyStore();
  const store = JobStore.open(path);
  store.prepare("UPDATE store_meta SET value = 'login1' WHERE key = ?").run(LEGACY_LOCAL_HOST_KEY);
  for (let i = 0; i < 3; i++) assert.equal((await pass(store)).error, null);
  const untouched = store.get(jobId)!;
  assert.equal(untouched.state, "running", "another host's legacy job is left alone");
  assert.equal(untouched.missingPolls, 0, "nothing is written about it");

  store.prepare("UPDATE store_meta SET value = ? WHERE key = ?").run(
    Deno.hostname(),
    LEGACY_LOCAL_HOST_KEY,
  );
  await pass(store);
  await pass(store);
  const judged = store.get(jobId)!;
  assert.equal(judged.state, "lost", "the upgrading host judges it as before");
  store.close();
});
