import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "../store/job_store.ts";
import { FakeSource, idFor, job, NOW } from "./_fixtures.ts";
import { loadDashboardRecords, readLogTail, storeDashboardSource } from "./source.ts";

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "molq-dashboard-" });
}

Deno.test("readLogTail() reports a missing file as no output yet, not an error", async () => {
  const path = join(tempDir(), "stdout.log");
  assert.deepEqual(await readLogTail(path, 100), {
    path,
    exists: false,
    text: "",
    sizeBytes: 0,
    partial: false,
  });
});

Deno.test("readLogTail() reads only the last bytes and drops the partial first line", async () => {
  const path = join(tempDir(), "stdout.log");
  const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n") + "\n";
  Deno.writeTextFileSync(path, text);
  const tail = await readLogTail(path, 30);
  assert.equal(tail.sizeBytes, text.length);
  assert.equal(tail.partial, true);
  assert.equal(tail.text, "line 997\nline 998\nline 999\n");
  const whole = await readLogTail(path, 1 << 20);
  assert.equal(whole.text, text);
  assert.equal(whole.partial, false);
});

Deno.test("readLogTail() follows appends and copes with truncation", async () => {
  const path = join(tempDir(), "stdout.log");
  Deno.writeTextFileSync(path, "first\nsecond\n");
  assert.equal((await readLogTail(path, 1024)).text, "first\nsecond\n");
  Deno.writeTextFileSync(path, "third\n", { append: true });
  assert.equal((await readLogTail(path, 1024)).text, "first\nsecond\nthird\n");
  Deno.writeTextFileSync(path, "new\n"); // truncated and rewritten
  const tail = await readLogTail(path, 1024);
  assert.equal(tail.text, "new\n");
  assert.equal(tail.sizeBytes, 4);
});

Deno.test("readLogTail() keeps a cut multi-byte character from breaking the text", async () => {
  const path = join(tempDir(), "stdout.log");
  Deno.writeTextFileSync(path, "名前名前\n最後\n");
  const tail = await readLogTail(path, 9); // starts inside a character
  assert.equal(tail.text, "最後\n");
});

Deno.test("storeDashboardSource() reads the store and delegates refresh and cancel", async () => {
  const store = JobStore.open(join(tempDir(), "jobs.db"));
  try {
    const record = job("aaaa", { state: "running", createdAt: NOW });
    store.insert(record);
    const cancelled: string[] = [];
    const source = storeDashboardSource(
      store,
      () => Promise.resolve({ errors: [{ cluster: "slurm", message: "down" }] }),
      (jobId) => {
        cancelled.push(jobId);
        return Promise.resolve();
      },
    );
    assert.deepEqual(source.load({}).map((r) => r.jobId), [record.jobId]);
    assert.deepEqual(source.get(record.jobId), record);
    assert.equal(source.transitions(record.jobId)[0]?.toState, "running");
    assert.deepEqual(await source.refresh(), { errors: [{ cluster: "slurm", message: "down" }] });
    await source.cancel(record.jobId);
    assert.deepEqual(cancelled, [record.jobId]);
  } finally {
    store.close();
  }
});

Deno.test("loadDashboardRecords() active only, keeping jobs seen finishing this session", () => {
  const source = new FakeSource([
    job("aaaa", { state: "running", createdAt: NOW - 1 }),
    job("bbbb", { state: "succeeded", createdAt: NOW - 2 }),
  ]);
  const seen = new Set<string>();
  const first = loadDashboardRecords(source, {}, seen);
  assert.deepEqual(first.map((r) => r.jobId), [idFor("aaaa")], "finished before we looked");
  source.records[0] = { ...source.records[0]!, state: "succeeded" };
  const second = loadDashboardRecords(source, {}, seen);
  assert.deepEqual(second.map((r) => [r.jobId, r.state]), [[idFor("aaaa"), "succeeded"]]);
});

Deno.test("loadDashboardRecords() --all, a focus set and a run label pass through", () => {
  const source = new FakeSource([
    job("aaaa", { state: "running", runLabel: "r1" }),
    job("bbbb", { state: "succeeded", runLabel: "r1" }),
    job("cccc", { state: "failed" }),
  ]);
  const seen = new Set<string>();
  assert.equal(loadDashboardRecords(source, { all: true }, seen).length, 3);
  assert.equal(loadDashboardRecords(source, { all: true, limit: 2 }, seen).length, 2);
  assert.deepEqual(
    loadDashboardRecords(source, { jobIds: [idFor("bbbb"), idFor("cccc")] }, seen).length,
    2,
    "a focused set shows finished jobs too",
  );
  assert.equal(loadDashboardRecords(source, { runLabel: "r1" }, seen).length, 2);
});

Deno.test("storeDashboardSource().changeToken() moves on job changes from this and other connections, only on them", () => {
  const path = join(tempDir(), "jobs.db");
  const store = JobStore.open(path);
  const other = JobStore.open(path);
  try {
    const source = storeDashboardSource(
      store,
      () => Promise.resolve({ errors: [] }),
      () => Promise.resolve(),
    );
    const first = source.changeToken!();
    assert.equal(source.changeToken!(), first, "reading changes nothing");
    store.insert(job("aaaa", { state: "running" }));
    const second = source.changeToken!();
    assert.notEqual(second, first);
    other.insert(job("bbbb", { state: "running" }));
    const third = source.changeToken!();
    assert.notEqual(third, second);
    // A pass that changed no job still writes its poll bookkeeping: nothing to re-read.
    other.write(() => {
      other.prepare("INSERT OR IGNORE INTO clusters (name, scheduler) VALUES ('c', 'local')").run();
      other.prepare("UPDATE clusters SET last_poll_at = 1 WHERE name = 'c'").run();
    });
    assert.equal(source.changeToken!(), third, "the poll bookkeeping is not a change");
    other.update(idFor("bbbb"), "running", { stateDetail: "COMPLETING" });
    assert.notEqual(source.changeToken!(), third, "a job's detail is");
  } finally {
    other.close();
    store.close();
  }
});
