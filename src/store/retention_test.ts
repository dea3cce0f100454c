import assert from "node:assert/strict";
import { join } from "node:path";
import type { JobRecord } from "../core/job_record.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { JobStore } from "./job_store.ts";
import { applyRetention, type RetentionOptions } from "./retention.ts";
import { exists } from "../testing/exists.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

function setup() {
  const base = Deno.makeTempDirSync({ prefix: "molq-retention-" });
  const store = JobStore.open(join(base, "jobs.db"));
  const add = (
    state: JobRecord["state"],
    ageDays: number | null,
    overrides: Partial<JobRecord> = {},
  ) => {
    const jobId = crypto.randomUUID();
    const jobDir = join(base, "jobs", jobId);
    Deno.mkdirSync(jobDir, { recursive: true });
    Deno.writeTextFileSync(join(jobDir, "stdout.log"), "x".repeat(100));
    const record = sampleRecord({
      jobId,
      jobDir,
      lineageId: jobId,
      state,
      createdAt: NOW - 200 * DAY,
      finishedAt: ageDays === null ? null : NOW - ageDays * DAY,
      ...overrides,
    });
    store.insert(record);
    return record;
  };
  return { base, store, add };
}

const defaults: RetentionOptions = {
  dirsOlderThanMs: 30 * DAY,
  recordsOlderThanMs: 90 * DAY,
  keepFailedDirs: true,
  dryRun: false,
  now: NOW,
};

Deno.test("applyRetention() removes old directories, keeps failed ones, then old records", () => {
  const { store, add } = setup();
  const recent = add("succeeded", 5);
  const oldOk = add("succeeded", 40);
  const oldFailed = add("failed", 40);
  const oldCancelled = add("cancelled", 40);
  const ancientFailed = add("failed", 100);
  const running = add("running", null);

  const dry = applyRetention(store, { ...defaults, dryRun: true });
  assert.deepEqual(dry, {
    dryRun: true,
    directories: { count: 3, bytes: 300 },
    records: { count: 1 },
    keptFailedDirectories: 1,
    errors: [],
  });
  for (const r of [recent, oldOk, oldFailed, oldCancelled, ancientFailed, running]) {
    assert.ok(exists(r.jobDir), "a dry run removes nothing");
  }
  assert.equal(store.list({}).length, 6);

  const report = applyRetention(store, defaults);
  assert.deepEqual({ ...report, dryRun: true }, dry);
  assert.deepEqual(
    [recent, oldOk, oldFailed, oldCancelled, ancientFailed, running].map((r) => exists(r.jobDir)),
    [true, false, true, false, false, true],
  );
  assert.equal(store.get(ancientFailed.jobId), undefined);
  assert.deepEqual(store.transitions(ancientFailed.jobId), [], "its history went with it");
  assert.equal(store.list({}).length, 5);

  const again = applyRetention(store, { ...defaults, keepFailedDirs: false });
  assert.equal(again.directories.count, 1, "only the failed job's directory was left");
  assert.equal(exists(oldFailed.jobDir), false);
  store.close();
});

Deno.test("applyRetention() never removes a directory an active job uses, nor a non-job one", () => {
  const { base, store, add } = setup();
  const array = add("running", null);
  // An array task's record names its array's directory.
  add("succeeded", 40, { jobDir: array.jobDir, arrayJobId: array.jobId, arrayTaskId: "0" });
  const shared = add("running", null);
  const oldSharing = add("succeeded", 40);
  store.prepare("UPDATE jobs SET job_dir = ? WHERE job_id = ?").run(
    shared.jobDir,
    oldSharing.jobId,
  );
  const odd = add("succeeded", 40, { jobDir: base });
  const report = applyRetention(store, { ...defaults, recordsOlderThanMs: 1_000 * DAY });
  assert.equal(report.directories.count, 0);
  assert.ok(exists(array.jobDir) && exists(shared.jobDir) && exists(base));
  assert.ok(store.get(odd.jobId));
  store.close();
});

Deno.test("applyRetention() deletes many records in batches", () => {
  const { store } = setup();
  const total = 1_234;
  store.write(() => {
    for (let i = 0; i < total; i++) {
      store.insert(
        sampleRecord({ state: "succeeded", finishedAt: NOW - 100 * DAY, jobDir: "/nonexistent/x" }),
      );
    }
  });
  const report = applyRetention(store, defaults);
  assert.equal(report.records.count, total);
  assert.equal(report.directories.count, 0, "directories already gone are not counted");
  assert.equal(store.list({}).length, 0);
  const left = store.prepare("SELECT count(*) AS n FROM transitions").get() as { n: number };
  assert.equal(Number(left.n), 0);
  store.close();
});
