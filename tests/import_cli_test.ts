/**
 * End to end: `molq import` of the store the Python molq 0.8 wrote
 * (testdata/python-molq/jobs-0.8.db), checked record by record
 * against the file itself: every job, state, transition, exit code, reason, lineage and log
 * path. The source is never written and nothing appears beside it; a second import adds
 * nothing; truncated and foreign files are refused in one sentence.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type MolqResult, ROOT, sandbox } from "./_molq.ts";
import { JobStore } from "../src/store/job_store.ts";

type Json = Record<string, unknown>;
type Row = Record<string, unknown>;

/** A copy of the project's shared upstream-store/jobs-0.8.db (testdata/python-molq/README.md). */
const UPSTREAM = join(ROOT, "testdata", "python-molq", "jobs-0.8.db");

/** The fixture copied into a fresh directory of its own. */
function copyOfFixture(name = "jobs.db"): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "molq-import-src-" });
  const path = join(dir, name);
  Deno.copyFileSync(UPSTREAM, path);
  return { dir, path };
}

/** What the Python molq wrote, read from a private copy (so the test's reads change nothing). */
function pythonRows(): { jobs: Row[]; transitions: Row[] } {
  const { path } = copyOfFixture();
  const db = new DatabaseSync(path);
  try {
    return {
      jobs: db.prepare("SELECT * FROM jobs ORDER BY rowid").all() as Row[],
      transitions: db.prepare("SELECT * FROM status_transitions ORDER BY id").all() as Row[],
    };
  } finally {
    db.close();
  }
}

const iso = (seconds: unknown) =>
  seconds === null ? null : new Date(Math.round(Number(seconds) * 1000)).toISOString();

function listing(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

function assertOneSentence(result: MolqResult, code: number, message: RegExp): void {
  const shown = `exit ${result.code}\n${result.stderr}`;
  assert.equal(result.code, code, shown);
  assert.doesNotMatch(result.stderr, /^\s+at |internal error/m, shown);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, shown);
  assert.match(result.stderr.trimEnd(), message, shown);
}

Deno.test({
  name: "molq import maps every job, state, transition, exit code, lineage and log path",
  fn: async () => {
    const box = sandbox();
    const { dir, path } = copyOfFixture();
    const bytes = Deno.readFileSync(path);
    const result = await box.molq(["import", path]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, /^Imported 45 jobs from \S+ \(Python molq, schema 8\):$/m);
    assert.match(result.stdout, /^ {2}slurm {4}cli_slurm {2}running {7}8$/m);
    assert.match(result.stdout, /^12 of them are still active: the next `molq refresh`/m);
    // The source: not a byte written, nothing created beside it.
    assert.deepEqual(Deno.readFileSync(path), bytes);
    assert.deepEqual(listing(dir), ["jobs.db"]);

    const { jobs, transitions } = pythonRows();
    assert.equal(jobs.length, 45);
    const records = new Map(
      (await box.json<Json[]>(["list", "--all", "--no-refresh", "--limit", "1000"]))
        .map((r) => [r.job_id as string, r]),
    );
    assert.equal(records.size, jobs.length);
    const store = JobStore.open(join(box.home, "jobs.db"));
    try {
      for (const job of jobs) {
        const id = job.job_id as string;
        const record = records.get(id);
        assert.ok(record, `job ${id} imported`);
        const cluster = { cli_local: "local", cli_slurm: "slurm" }[job.cluster_name as string];
        const metadata = JSON.parse(job.metadata as string) as Record<string, string>;
        const mine = record.metadata as Record<string, string>;
        assert.deepEqual(
          [
            record.cluster,
            record.scheduler,
            record.scheduler_job_id,
            record.state,
            record.exit_code,
            record.failure_reason,
            record.submitted_at,
            record.started_at,
            record.finished_at,
            record.last_polled,
            record.attempt,
            record.lineage_id,
            record.previous_attempt_id,
            record.command,
            record.cwd,
            record.job_dir,
            mine["molq.stdout_path"],
            mine["molq.stderr_path"],
            mine["molq.import.cluster"],
          ],
          [
            cluster,
            job.scheduler,
            job.scheduler_job_id,
            job.state,
            job.exit_code,
            job.failure_reason,
            iso(job.submitted_at),
            iso(job.started_at),
            iso(job.finished_at),
            iso(job.last_polled),
            job.attempt,
            job.root_job_id,
            job.previous_attempt_job_id,
            job.command_display,
            job.cwd,
            metadata["molq.job_dir"],
            metadata["molq.stdout_path"],
            metadata["molq.stderr_path"],
            job.cluster_name,
          ],
          `job ${id}`,
        );
        const theirs = transitions.filter((t) => t.job_id === id);
        assert.deepEqual(
          store.transitions(id).map((t) => [t.fromState, t.toState, t.at, t.reason]),
          theirs.map((t) => [
            t.old_state,
            t.new_state,
            Math.round(Number(t.timestamp) * 1000),
            t.reason,
          ]),
          `transitions of ${id}`,
        );
        assert.equal(record.created_at, iso(Math.min(...theirs.map((t) => Number(t.timestamp)))));
      }
    } finally {
      store.close();
    }
    // The retried local job: two attempts in one lineage, both exit 7; the request keeps the retry.
    const retried = await box.json<Json>(["inspect", "fae8b620"]);
    assert.deepEqual(retried.lineage, [
      { job_id: "500640ce-497b-4590-83ca-d85b427f5476", attempt: 1, state: "failed" },
      { job_id: "fae8b620-e349-4599-abf3-43ac14528f16", attempt: 2, state: "failed" },
    ]);
    assert.equal(
      (retried.metadata as Record<string, string>)["molq.import.unmapped"],
      '{"retry.backoff.maximum_seconds":300}',
    );
    const slurmJob = await box.json<Json>(["inspect", "1ed533e9", "slurm"]);
    assert.equal((slurmJob.metadata as Record<string, string>)["molq.import.unmapped"], undefined);
    // Still-active jobs are active here, for the next pass to reconcile.
    const active = await box.json<Json[]>(["list", "--no-refresh"]);
    assert.deepEqual(
      active.map((r) => r.state).sort(),
      jobs.filter((j) => ["queued", "running"].includes(j.state as string)).map((j) => j.state)
        .sort(),
    );
    // The grammar of the Python molq finds them under the scheduler word.
    const running = await box.json<Json[]>(["list", "slurm", "--state", "running", "--no-refresh"]);
    assert.equal(running.length, 8);
    const history = await box.molq(["history", "local"]);
    assert.match(
      history.stdout,
      /^fae8b620 +failed +local +2 +11497 +\S+ \S+ +\S+ \S+ +7 +sh -c exit 7$/m,
    );

    // Again: nothing added, nothing changed, the source still untouched.
    const again = await box.molq(["import", path, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.deepEqual([summary.imported, summary.already_present, summary.skipped], [[], 45, []]);
    const human = await box.molq(["import", path]);
    assert.match(human.stdout, /^Nothing to import from \S+: its 45 jobs are already here\.\n$/);
    const db = new DatabaseSync(join(box.home, "jobs.db"));
    try {
      const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
      assert.equal(count("SELECT count(*) AS n FROM jobs"), 45);
      assert.equal(count("SELECT count(*) AS n FROM transitions"), transitions.length);
    } finally {
      db.close();
    }
    assert.deepEqual(Deno.readFileSync(path), bytes);
    assert.deepEqual(listing(dir), ["jobs.db"]);
  },
});

Deno.test({
  name: "molq import --dry-run changes nothing; --cluster-map renames; a clash is refused whole",
  fn: async () => {
    const box = sandbox();
    const { path } = copyOfFixture();
    const dry = await box.json<Json>(["import", path, "--dry-run"]);
    assert.equal(dry.dry_run, true);
    assert.equal((dry.imported as Json[]).reduce((n, g) => n + (g.jobs as number), 0), 45);
    assert.equal(dry.active, 12);
    assert.throws(() => Deno.statSync(join(box.home, "jobs.db")), "a dry run creates no store");

    const clash = await box.molq(["import", path, "--cluster-map", "cli_slurm=local"]);
    assertOneSentence(
      clash,
      1,
      /^molq: The Python molq's cluster "cli_slurm" holds slurm jobs, but the cluster "local" here is a local cluster: choose another name with --cluster-map cli_slurm=NAME\.$/,
    );
    const typo = await box.molq(["import", path, "--cluster-map", "cli_slrm=hpc"]);
    assertOneSentence(
      typo,
      2,
      /^molq: --cluster-map names the cluster "cli_slrm", which the file does not have \(it has cli_local, cli_slurm\)\.$/,
    );

    const renamed = await box.json<Json>(["import", path, "--cluster-map", "cli_slurm=hpc"]);
    assert.deepEqual(
      [...new Set((renamed.imported as Json[]).map((g) => `${g.from}>${g.cluster}`))].sort(),
      ["cli_local>local", "cli_slurm>hpc"],
    );
    const hpc = await box.json<Json[]>(["list", "--all", "--cluster", "hpc", "--no-refresh"]);
    assert.equal(hpc.length, 40);
  },
});

Deno.test({
  name: "molq import follows a running Python molq's log, and a crashed one's from a copy",
  fn: async () => {
    // A Python molq with the store open: its newest job is still only in the -wal file.
    const { dir, path } = copyOfFixture();
    const writer = new DatabaseSync(path);
    writer.exec("PRAGMA wal_autocheckpoint = 0");
    writer.exec(
      `INSERT INTO jobs (job_id, cluster_name, scheduler, root_job_id, attempt, state, command_type,
         command_display, cwd, submitted_at, metadata, request_json)
       VALUES ('0a0a0a0a-0000-4000-8000-000000000001', 'cli_local', 'local',
         '0a0a0a0a-0000-4000-8000-000000000001', 1, 'succeeded', 'argv', 'echo late', '/home/alice',
         1796163600.5, '{}', '{"argv": ["echo", "late"]}')`,
    );
    try {
      const files = listing(dir);
      assert.deepEqual(files, ["jobs.db", "jobs.db-shm", "jobs.db-wal"]);
      const box = sandbox();
      const live = await box.json<Json>(["import", path]);
      assert.equal(live.already_present, 0);
      assert.equal((live.imported as Json[]).reduce((n, g) => n + (g.jobs as number), 0), 46);
      assert.deepEqual(listing(dir), files, "no journal or other file appeared");
      // The writer dies: its log stays, its shared-memory index does not.
      const crashed = Deno.makeTempDirSync({ prefix: "molq-import-crash-" });
      Deno.copyFileSync(path, join(crashed, "jobs.db"));
      Deno.copyFileSync(`${path}-wal`, join(crashed, "jobs.db-wal"));
      const before = listing(crashed);
      const bytes = Deno.readFileSync(join(crashed, "jobs.db"));
      const other = sandbox();
      const late = await other.json<Json>(["import", join(crashed, "jobs.db")]);
      assert.equal((late.imported as Json[]).reduce((n, g) => n + (g.jobs as number), 0), 46);
      assert.deepEqual(listing(crashed), before);
      assert.deepEqual(Deno.readFileSync(join(crashed, "jobs.db")), bytes);
      const record = await other.json<Json>(["status", "0a0a0a0a", "local", "--no-refresh"]);
      assert.deepEqual([record.state, record.command, record.submitted_at], [
        "succeeded",
        "echo late",
        "2026-12-01T22:20:00.500Z",
      ]);
    } finally {
      writer.close();
    }
  },
});

Deno.test({
  name: "molq import refuses truncated, foreign and missing files in one sentence, writing none",
  fn: async () => {
    const box = sandbox();
    const dir = Deno.makeTempDirSync({ prefix: "molq-import-bad-" });
    const whole = Deno.readFileSync(UPSTREAM);
    const cases: [string, Uint8Array | null, RegExp][] = [];
    cases.push([
      "half.db",
      whole.subarray(0, whole.length / 2),
      /the file is truncated \(75776 bytes of 151552\); copy it again/,
    ]);
    cases.push([
      "odd.db",
      whole.subarray(0, 5000),
      /the file is truncated \(5000 bytes of 151552\)/,
    ]);
    cases.push([
      "stub.db",
      whole.subarray(0, 40),
      /the file is truncated \(40 bytes, not even an SQLite header\)/,
    ]);
    cases.push([
      "notes.txt",
      new TextEncoder().encode("a to-do list, not a database\n"),
      /it is not an SQLite database, so not a store of the Python molq\.$/,
    ]);
    cases.push(["empty.db", new Uint8Array(), /it is not an SQLite database/]);
    for (const [name, bytes] of cases) Deno.writeFileSync(join(dir, name), bytes!);
    // Someone else's SQLite database, this molq's own store, and a Python store of another version.
    const other = new DatabaseSync(join(dir, "other.db"));
    other.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x')");
    other.close();
    cases.push([
      "other.db",
      null,
      /it is an SQLite database, but not a store of the Python molq \(no molq_meta, jobs, status_transitions, job_dependencies table\)\.$/,
    ]);
    JobStore.open(join(dir, "mine.db")).close();
    cases.push(["mine.db", null, /it is a store of this molq, not of the Python molq\.$/]);
    Deno.copyFileSync(UPSTREAM, join(dir, "v9.db"));
    const v9 = new DatabaseSync(join(dir, "v9.db"));
    v9.exec(
      "UPDATE molq_meta SET value = '9' WHERE key = 'schema_version'; PRAGMA journal_mode = DELETE",
    );
    v9.close();
    cases.push([
      "v9.db",
      null,
      /it has Python molq schema version 9, and molq imports versions 7 and 8\.$/,
    ]);
    cases.push(["missing.db", null, /no such file\.$/]);
    const before = new Map(listing(dir).map((name) => [name, Deno.readFileSync(join(dir, name))]));
    for (const [name, , message] of cases) {
      const result = await box.molq(["import", join(dir, name)]);
      const shown = `${name}: ${result.stderr}`;
      assertOneSentence(
        result,
        1,
        new RegExp(`^molq: Cannot import ${join(dir, name)}: ${message.source}`),
      );
      assert.equal(result.stdout, "", shown);
    }
    assert.deepEqual(listing(dir), [...before.keys()], "nothing was created beside them");
    for (const [name, bytes] of before) {
      assert.deepEqual(Deno.readFileSync(join(dir, name)), bytes, name);
    }
    assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), []);
  },
});

Deno.test({
  name: "a Python store where molq keeps its own, or beside an empty store, points at molq import",
  fn: async () => {
    const box = sandbox();
    Deno.mkdirSync(box.home, { recursive: true });
    const own = join(box.home, "jobs.db");
    Deno.copyFileSync(UPSTREAM, own);
    const bytes = Deno.readFileSync(own);
    for (const args of [["list"], ["submit", "local", "--", "true"], ["daemon", "--status"]]) {
      const result = await box.molq(args);
      assertOneSentence(
        result,
        1,
        new RegExp(
          `^molq: The file ${own} is a store of the Python molq, not of this molq: move it aside and import its jobs \\(mv ${own} ${own}\\.python && molq import ${own}\\.python\\)\\.$`,
        ),
      );
    }
    assert.deepEqual(Deno.readFileSync(own), bytes);
    assert.deepEqual(listing(box.home), ["jobs.db"], "molq never opened it for writing");

    // The Python molq's own place, while this store is empty.
    const other = sandbox();
    const molcrafts = join(other.home, "..", "molcrafts");
    Deno.mkdirSync(join(molcrafts, "molq", "config"), { recursive: true });
    const theirs = join(molcrafts, "molq", "config", "jobs.db");
    Deno.copyFileSync(UPSTREAM, theirs);
    const env = { MOLCRAFTS_HOME: molcrafts };
    const hint =
      `The Python molq's store ${theirs} holds 45 jobs: \`molq import ${theirs}\` brings them here.`;
    const list = await other.molq(["list"], { env });
    assert.equal(list.code, 0);
    assert.equal(list.stderr, `hint: ${hint}\n`);
    const status = await other.molq(["status", "abcd"], { env });
    assert.equal(status.code, 2);
    assert.equal(
      status.stderr,
      `molq: Unknown job "abcd": no job id starts with it.\nhint: ${hint}\n`,
    );
    assert.equal((await other.molq(["import", theirs], { env })).code, 0);
    const after = await other.molq(["list"], { env });
    assert.equal(after.stderr, "", "no hint once this store has jobs");
  },
});
