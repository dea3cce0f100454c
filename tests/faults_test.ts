/**
 * Faults around the store and the local backend, through the real CLI: a full disk, a
 * read-only store, files that are not (or no longer) a usable store, a store from a newer
 * molq, a job directory removed under a running job, and a log truncated while followed.
 * Every failure is one sentence and a non-zero exit; no store is ever rewritten silently.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS, SCHEMA_VERSION } from "../src/store/schema.ts";
import {
  BINARY_PERMISSIONS,
  collectText,
  eventually,
  MAIN,
  type MolqResult,
  sandbox,
} from "./_molq.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

async function finished(box: Box, id: string): Promise<Json> {
  return await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return TERMINAL.includes(record.state as string) ? record : undefined;
    },
    30_000,
    `job ${id} to finish`,
  );
}

async function submit(box: Box, args: string[]): Promise<string> {
  return (await box.json<Json>(["submit", "local", ...args])).job_id as string;
}

/** A clean operational failure: exit 1, one `molq:` sentence, no trace. */
function assertOneSentence(result: MolqResult, message: RegExp, what: string): void {
  const shown = `${what}: exit ${result.code}\n${result.stderr}`;
  assert.equal(result.code, 1, shown);
  assert.doesNotMatch(result.stderr, /^\s+at |internal error/m, shown);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, shown);
  assert.match(result.stderr.trimEnd(), message, shown);
}

function integrityCheck(path: string): string {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string })
      .integrity_check;
  } finally {
    db.close();
  }
}

async function sh(command: string): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command("sh", { args: ["-c", command], stdout: "null" }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr).trim() };
}

/** Mounts a small tmpfs, or says why it cannot (not root, no mount permission). */
async function mountTmpfs(dir: string, sizeKb: number): Promise<string | null> {
  Deno.mkdirSync(dir, { recursive: true });
  const result = await sh(`mount -t tmpfs -o size=${sizeKb}k,mode=0700 tmpfs '${dir}'`);
  return result.code === 0 ? null : `cannot mount a tmpfs (${result.stderr || "mount failed"})`;
}

async function unmount(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await sh(`umount '${dir}'`)).code === 0) return;
    await new Promise((r) => setTimeout(r, 250)); // a job may still hold a file open
  }
  await sh(`umount -l '${dir}'`);
}

function skip(what: string, why: string): void {
  console.log(`SKIPPED ${what}: ${why}.`);
}

Deno.test("a full disk under the store: one sentence, exit 1, no record lost or half-written", async () => {
  const base = Deno.makeTempDirSync({ prefix: "molq-full-" });
  const fs = join(base, "fs");
  const why = await mountTmpfs(fs, 1024);
  if (why) return skip("the disk-full case", why);
  try {
    const box = sandbox({ MOLQ_HOME: join(fs, "home") });
    const db = join(fs, "home", "jobs.db");
    const ids = [
      await submit(box, ["--", "true"]),
      await submit(box, ["--", "sh", "-c", "exit 3"]),
    ];
    for (const id of ids) await finished(box, id);
    const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    // Another molq holds the store open (a monitor, say), so its WAL and shared memory exist.
    const holder = new DatabaseSync(db);
    holder.prepare("SELECT count(*) FROM jobs").get();
    await sh(`dd if=/dev/zero of='${join(fs, "filler")}' bs=4k 2>/dev/null`);
    const storeFull =
      /^molq: Cannot (use|read) the molq store \S+jobs\.db: (database or disk is full|disk I\/O error)\.$/;
    for (let i = 0; i < 3; i++) {
      assertOneSentence(await box.molq(["submit", "local", "--", "true"]), storeFull, "submit");
    }
    holder.close();
    // Nobody holds it now: opening must create the shared-memory file, which cannot happen.
    for (const args of [["submit", "local", "--", "true"], ["list", "--all"], ["refresh"]]) {
      const result = await box.molq(args);
      if (result.code !== 0) assertOneSentence(result, storeFull, args.join(" "));
    }
    Deno.removeSync(join(fs, "filler"));
    assert.equal(integrityCheck(db), "ok");
    const after = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    assert.deepEqual(
      after.map((r) => [r.job_id, r.state, r.exit_code]),
      before.map((r) => [r.job_id, r.state, r.exit_code]),
      "the failed submissions left no record behind, and the old ones are intact",
    );
    const id = await submit(box, ["--", "true"]);
    assert.equal((await finished(box, id)).state, "succeeded", "works again once there is room");
  } finally {
    await unmount(fs);
  }
});

Deno.test("a full disk under the job directories: one sentence, exit 1, no record", async () => {
  const base = Deno.makeTempDirSync({ prefix: "molq-fulljobs-" });
  const fs = join(base, "fs");
  const why = await mountTmpfs(fs, 256);
  if (why) return skip("the full job-directory case", why);
  try {
    const box = sandbox();
    await sh(`dd if=/dev/zero of='${join(fs, "filler")}' bs=1k 2>/dev/null`);
    const result = await box.molq([
      "submit",
      "local",
      "--jobs-dir",
      join(fs, "jobs"),
      "--",
      "true",
    ]);
    assertOneSentence(
      result,
      /^molq: Cannot (prepare the job directory|create the directory) \S+: No space left on device/,
      "submit",
    );
    assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), []);
  } finally {
    await unmount(fs);
  }
});

Deno.test("a read-only store directory: one sentence, exit 1, the store untouched", async () => {
  const base = Deno.makeTempDirSync({ prefix: "molq-ro-" });
  const fs = join(base, "fs");
  const why = await mountTmpfs(fs, 4096);
  if (why) return skip("the read-only store case", why);
  try {
    const box = sandbox({ MOLQ_HOME: join(fs, "home") });
    const id = await submit(box, ["--", "true"]);
    await finished(box, id);
    const db = join(fs, "home", "jobs.db");
    const bytes = Deno.readFileSync(db);
    const remount = await sh(`mount -o remount,ro '${fs}'`);
    if (remount.code !== 0) return skip("the read-only store case", remount.stderr);
    try {
      const readOnly =
        /^molq: Cannot (read|use) the molq store \S+jobs\.db: (unable to open database file|attempt to write a readonly database)\.$/;
      for (
        const args of [
          ["submit", "local", "--", "true"],
          ["list", "--all"],
          ["refresh"],
          ["status", id],
        ]
      ) {
        assertOneSentence(await box.molq(args), readOnly, args.join(" "));
      }
    } finally {
      await sh(`mount -o remount,rw '${fs}'`);
    }
    assert.deepEqual(Deno.readFileSync(db), bytes);
    assert.equal((await box.json<Json>(["status", id])).state, "succeeded");
  } finally {
    await unmount(fs);
  }
});

/** A store with some finished jobs, checkpointed so the main file holds everything. */
async function storeWithJobs(count: number): Promise<{ box: Box; db: string; ids: string[] }> {
  const box = sandbox();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await submit(box, ["--name", `job-${i}-${"x".repeat(400)}`, "--", "true"]));
  }
  for (const id of ids) await finished(box, id);
  const db = join(box.home, "jobs.db");
  const handle = new DatabaseSync(db);
  handle.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  handle.close();
  return { box, db, ids };
}

/** Every command refuses the file the same clean way and leaves its bytes alone. */
async function assertRefusedUntouched(
  box: Box,
  db: string,
  message: RegExp,
  ids: string[] = [],
  /** Commands that may succeed because they never read the damaged part. */
  mayPass: string[] = [],
) {
  const bytes = Deno.readFileSync(db);
  const commands = [
    ["list", "--all"],
    ["list", "--all", "--no-refresh", "--json"],
    ["submit", "local", "--", "true"],
    ["refresh"],
    ...ids.slice(0, 1).map((id) => ["inspect", id]),
  ];
  for (const args of commands) {
    const result = await box.molq(args);
    if (!(result.code === 0 && mayPass.includes(args[0]!))) {
      assertOneSentence(result, message, args.join(" "));
    }
    assert.deepEqual(Deno.readFileSync(db), bytes, `molq ${args.join(" ")} changed the file`);
  }
  const siblings = [...Deno.readDirSync(join(db, ".."))].map((e) => e.name).sort();
  assert.ok(!siblings.some((n) => n.endsWith(".bak")), `no migration backup: ${siblings}`);
}

Deno.test("a file that is not SQLite is refused and never overwritten", async () => {
  const box = sandbox();
  const db = join(box.home, "jobs.db");
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(db, "my precious notes, not a database\n".repeat(200));
  await assertRefusedUntouched(
    box,
    db,
    /^molq: The file \S+jobs\.db is not a molq store \(file is not a database\)\.$/,
  );
  // Named with --db too.
  const other = join(box.cwd, "notes.txt");
  Deno.writeTextFileSync(other, "plain text\n".repeat(500));
  const bytes = Deno.readFileSync(other);
  assertOneSentence(await box.molq(["--db", other, "list"]), /is not a molq store/, "--db list");
  assert.deepEqual(Deno.readFileSync(other), bytes);
});

Deno.test("a truncated store is refused as damaged and never repaired silently", async () => {
  const { box, db } = await storeWithJobs(12);
  const full = Deno.readFileSync(db);
  Deno.writeFileSync(db, full.subarray(0, Math.floor(full.length / 2)));
  await assertRefusedUntouched(
    box,
    db,
    /^molq: (The molq store \S+jobs\.db is damaged \(database disk image is malformed\): restore a backup or move it aside|Cannot use the molq store \S+jobs\.db: database disk image is malformed)\.$/,
  );
});

Deno.test("a store with a corrupt page is refused and never repaired silently", async () => {
  const { box, db, ids } = await storeWithJobs(12);
  const bytes = Deno.readFileSync(db);
  // Page 2 is the jobs table's root: every read of a record goes through it. (`refresh`
  // only reads an index to find active clusters, so it may not notice: it must not write.)
  bytes.fill(0xab, 4096, 8192);
  Deno.writeFileSync(db, bytes);
  await assertRefusedUntouched(
    box,
    db,
    /^molq: (The molq store \S+jobs\.db is damaged \(database disk image is malformed\): restore a backup or move it aside|Cannot use the molq store \S+jobs\.db: database disk image is malformed)\.$/,
    ids,
    ["refresh"],
  );
});

Deno.test("a store from a newer molq is refused, byte for byte untouched", async () => {
  const { box, db, ids } = await storeWithJobs(1);
  const handle = new DatabaseSync(db);
  handle.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  handle.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  handle.close();
  await assertRefusedUntouched(
    box,
    db,
    new RegExp(
      `^molq: The molq store \\S+jobs\\.db was written by a newer molq \\(schema version ${
        SCHEMA_VERSION + 1
      }; this molq knows up to ${SCHEMA_VERSION}\\): upgrade molq to use it\\.$`,
    ),
    ids,
  );
});

Deno.test("an older store is backed up before it is migrated, and keeps its records", async () => {
  const box = sandbox();
  const db = join(box.home, "jobs.db");
  Deno.mkdirSync(box.home, { recursive: true, mode: 0o700 });
  const old = new DatabaseSync(db);
  old.exec(MIGRATIONS[0]!);
  old.exec("PRAGMA user_version = 1");
  old.prepare(
    `INSERT INTO jobs (job_id, cluster, scheduler, state, created_at, command_json, command_display,
      cwd, job_dir, metadata_json, request_json, lineage_id, exit_code)
     VALUES ('01d00000-0000-4000-8000-000000000000', 'local', 'local', 'succeeded', 5,
      '{"type":"argv","argv":["true"]}', 'true', '/tmp', '/tmp/j', '{}', ?,
      '01d00000-0000-4000-8000-000000000000', 0)`,
  ).run(JSON.stringify({
    command: { type: "argv", argv: ["true"] },
    workdir: "/tmp",
    env: {},
    resources: {},
    scheduling: {},
    dependencies: [],
    metadata: {},
    extraArgs: [],
  }));
  old.close();
  Deno.chmodSync(db, 0o600);
  const original = Deno.readFileSync(db);
  const listed = await box.json<Json[]>(["list", "--all"]);
  assert.deepEqual(listed.map((r) => [r.job_id, r.state]), [[
    "01d00000-0000-4000-8000-000000000000",
    "succeeded",
  ]]);
  const backups = [...Deno.readDirSync(box.home)].map((e) => e.name).filter((n) =>
    n.endsWith(".bak")
  );
  assert.equal(backups.length, 1, `one backup: ${backups}`);
  assert.match(backups[0]!, /^jobs\.db\.v1-\d+\.bak$/);
  const backup = join(box.home, backups[0]!);
  assert.equal(Deno.statSync(backup).mode! & 0o777, 0o600);
  const copy = new DatabaseSync(backup);
  const version = copy.prepare("PRAGMA user_version").get() as { user_version: number };
  const rows = copy.prepare("SELECT job_id FROM jobs").all();
  copy.close();
  assert.equal(version.user_version, 1, "the backup is the file as it was");
  assert.equal(rows.length, 1);
  assert.notDeepEqual(Deno.readFileSync(db), original, "the store itself was migrated");
  const migrated = new DatabaseSync(db);
  assert.equal(
    (migrated.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    SCHEMA_VERSION,
  );
  migrated.close();
  // A second run migrates nothing and makes no second backup.
  await box.json<Json[]>(["list", "--all"]);
  assert.equal([...Deno.readDirSync(box.home)].filter((e) => e.name.endsWith(".bak")).length, 1);
});

Deno.test("a job whose directory is deleted while it runs ends lost after the grace", async () => {
  const box = sandbox({ MOLQ_LOST_GRACE: "1s" });
  const id = await submit(box, ["--", "sleep", "4"]);
  const running = await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return record.state === "running" && record.started_at ? record : undefined;
    },
    15_000,
    "the job to run",
  );
  const jobDir = (running.metadata as Record<string, string>)["molq.job_dir"]!;
  Deno.removeSync(jobDir, { recursive: true });
  const final = await finished(box, id);
  assert.equal(final.state, "lost", `${final.state}: ${final.failure_reason}`);
  assert.match(
    final.failure_reason as string,
    /^The scheduler, its accounting and the job's own files have not known this job for \d+ polls/,
  );
  const inspect = await box.json<Json>(["inspect", id]);
  const states = (inspect.transitions as Json[]).map((t) => t.to);
  assert.deepEqual(states, ["created", "submitted", "running", "lost"]);
  // Its logs went with the directory: a clear notice, not a crash.
  const logs = await box.molq(["logs", id]);
  assert.equal(logs.code, 0);
  assert.match(
    logs.stderr,
    /^molq: no output at \S+stdout\.log \(the job wrote none or it was removed\)\.$/m,
  );
});

Deno.test("logs --follow notices a truncated log and carries on from its start", async () => {
  const box = sandbox();
  const id = await submit(box, [
    "--command",
    "echo before1; echo before2; while [ ! -e go ]; do sleep 0.1; done; echo after1; echo after2",
  ]);
  const record = await box.json<Json>(["status", id]);
  const log = (record.metadata as Record<string, string>)["molq.stdout_path"]!;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, "logs", id, "--follow"],
    cwd: box.cwd,
    env: { ...box.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = collectText(child.stdout);
  const err = collectText(child.stderr);
  try {
    await eventually(() => out.text().includes("before2") || undefined, 15_000, "the first lines");
    Deno.truncateSync(log, 0);
    await eventually(() => err.text().includes("truncated") || undefined, 15_000, "the notice");
    Deno.writeTextFileSync(join(box.cwd, "go"), "");
    const status = await child.status;
    assert.equal(status.code, 0, err.text());
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already ended
    }
  }
  await Promise.all([out.done, err.done]);
  // The job's shell writes on at its old offset, so the file now starts with a hole of NULs
  // (as with `tail -f`); what matters is that nothing is lost or repeated.
  assert.equal(out.text().replaceAll("\0", ""), "before1\nbefore2\nafter1\nafter2\n");
  assert.equal(err.text(), "molq: stdout was truncated; reading it from the start.\n");
});
