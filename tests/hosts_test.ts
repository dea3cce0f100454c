/**
 * Many login nodes, one shared home: local jobs belong to the host they run on. Host A is
 * this machine; host B is a second login node made with unshare (own hostname, own process
 * table, the same files), running the real CLI.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { eventually, exitCodeWritten, type Sandbox, sandbox } from "./_molq.ts";
import { molqOn, secondHostUnavailable, skipSecondHost } from "./_second_host.ts";
import { startMolq } from "./_daemon.ts";

type Json = Record<string, unknown>;
const HOST_A = Deno.hostname();
const HOST_B = "login2";

function hostBox(): Sandbox {
  return sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
}

async function submit(box: Sandbox, args: string[]): Promise<string> {
  const record = await box.json<Json>(["submit", "local", ...args]);
  return record.job_id as string;
}

/** The job's record once this host's passes see it running. */
function running(box: Sandbox, id: string): Promise<Json> {
  return eventually<Json>(
    async () => {
      const job = await box.json<Json>(["status", id]);
      return job.state === "running" ? job : undefined;
    },
    20_000,
    "the job to run",
  );
}

async function statusOnB(box: Sandbox, id: string): Promise<Json> {
  const result = await molqOn(HOST_B, box, ["status", id, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Json;
}

async function unlessNoSecondHost(what: string): Promise<boolean> {
  const why = await secondHostUnavailable();
  if (why) skipSecondHost(what, why);
  return why === null;
}

Deno.test("a running local job survives any number of passes from another login node", async () => {
  if (!(await unlessNoSecondHost("the second-login-node test"))) return;
  const box = hostBox();
  const id = await submit(box, ["--", "sleep", "60"]);
  await running(box, id);
  for (let pass = 0; pass < 5; pass++) {
    const refresh = await molqOn(HOST_B, box, ["refresh", "--force"]);
    assert.equal(refresh.code, 0, refresh.stderr);
  }
  const seen = await statusOnB(box, id);
  assert.equal(seen.state, "running", "B never judges A's job");
  assert.equal(seen.host, HOST_A);
  assert.match(String(seen.boot_id), /^[0-9a-f-]{36}$/);
  const listed = await molqOn(HOST_B, box, ["list", "--json"]);
  assert.deepEqual((JSON.parse(listed.stdout) as Json[]).map((j) => j.job_id), [id]);

  const refused = await molqOn(HOST_B, box, ["cancel", id]);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr.trim(),
    `molq: Cannot cancel job "${id.slice(0, 8)}": it runs on ${HOST_A}; cancel it there ` +
      `(if ${HOST_A} is gone for good, --force records it cancelled).`,
  );
  assert.equal((await statusOnB(box, id)).state, "running", "the refused cancel changed nothing");

  const cancelled = await box.molq(["cancel", id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal((await box.json<Json>(["status", id])).state, "cancelled");
  const inspect = await molqOn(HOST_B, box, ["inspect", id]);
  assert.match(inspect.stdout, new RegExp(`host\\s+${HOST_A} \\(boot id `));
});

Deno.test("cancel --force on another login node records a job of a retired host without a signal", async () => {
  if (!(await unlessNoSecondHost("the forced-cancel test"))) return;
  const box = hostBox();
  const id = await submit(box, ["--", "sleep", "60"]);
  const record = await running(box, id);
  const forced = await molqOn(HOST_B, box, ["cancel", "--force", id]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(forced.stdout, `${id}  cancelled\n`);
  assert.equal(
    forced.stderr,
    `molq: note: ${id.slice(0, 8)} was recorded cancelled without a signal; ` +
      `if ${HOST_A} is still up, the job goes on running there.\n`,
  );
  const seen = await statusOnB(box, id);
  assert.equal(seen.state, "cancelled");
  assert.match(String(seen.failure_reason), new RegExp(`without a signal: only ${HOST_A} could`));
  // Nothing was signalled: the job's process on A still runs (and is ended here by hand).
  const pid = Number(record.scheduler_job_id);
  Deno.kill(pid, "SIGCONT");
  Deno.kill(-pid, "SIGKILL");
});

Deno.test("a job that ends while only another host refreshes gets its true state once its host looks", async () => {
  if (!(await unlessNoSecondHost("the finished-elsewhere test"))) return;
  const box = hostBox();
  const id = await submit(box, ["--command", "echo done; exit 3"]);
  await exitCodeWritten(box, id);
  for (let pass = 0; pass < 3; pass++) await molqOn(HOST_B, box, ["refresh", "--force"]);
  const meanwhile = await statusOnB(box, id);
  assert.ok(
    ["submitted", "running"].includes(meanwhile.state as string),
    `B wrote nothing: ${JSON.stringify(meanwhile)}`,
  );
  // B waits for the job: it ends when A records the end, and says the job's exit code.
  const watch = molqOn(HOST_B, box, ["watch", id, "--timeout", "60s"]);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const refresh = await box.molq(["refresh", "--force"]);
  assert.equal(refresh.code, 0, refresh.stderr);
  const final = await box.json<Json>(["status", id]);
  assert.equal(final.state, "failed");
  assert.equal(final.exit_code, 3);
  const watched = await watch;
  assert.equal(watched.code, 1, `watch on B ends with the job: ${watched.stderr}`);
  const logs = await molqOn(HOST_B, box, ["logs", id]);
  assert.equal(logs.stdout, "done\n", "B reads the shared logs");
});

/** The newest record named `name` (a retry's latest attempt). */
async function latestNamed(box: Sandbox, name: string): Promise<Json> {
  const all = await box.json<Json[]>(["list", "--all", "--no-refresh", "--json"]);
  const named = all.filter((job) => job.name === name);
  assert.ok(named.length > 0, `no job named ${name}`);
  return named.reduce((a, b) => (Number(b.attempt) > Number(a.attempt) ? b : a));
}

Deno.test("a held or retried local job starts on the host it was submitted on, whoever passes first", async () => {
  if (!(await unlessNoSecondHost("the molq-scheduling-across-hosts test"))) return;
  const box = hostBox();
  const upstream = await submit(box, ["--", "sleep", "60"]);
  await running(box, upstream);
  const cancelledOnB = await submit(box, ["--after", upstream, "--command", "hostname; sleep 30"]);
  const held = await submit(box, ["--after", upstream, "--command", "hostname; sleep 30"]);
  assert.equal((await box.molq(["cancel", upstream])).code, 0); // no pass after it
  for (let pass = 0; pass < 2; pass++) await molqOn(HOST_B, box, ["refresh", "--force"]);
  for (const id of [cancelledOnB, held]) {
    const waiting = await statusOnB(box, id);
    assert.equal(waiting.state, "queued", "B's pass does not start A's held job");
    assert.equal(waiting.scheduler_job_id, null);
    assert.equal(waiting.host, HOST_A, "the host it will run on");
  }
  const anywhere = await molqOn(HOST_B, box, ["cancel", cancelledOnB]);
  assert.equal(anywhere.code, 0, "a job molq still holds has no process: any host cancels it");
  assert.equal((await statusOnB(box, cancelledOnB)).state, "cancelled");

  const started = await running(box, held); // A's pass starts it
  assert.equal(started.host, HOST_A, "started on A, and recorded so");
  assert.match(String(started.boot_id), /^[0-9a-f-]{36}$/);
  const notThere = await molqOn(HOST_B, box, ["cancel", held]);
  assert.equal(notThere.code, 1, "B refuses to signal a job that runs on A");
  assert.match(notThere.stderr, new RegExp(`it runs on ${HOST_A}; cancel it there`));
  assert.equal((await statusOnB(box, held)).state, "running");
  assert.equal((await box.molq(["cancel", held])).code, 0);
  assert.equal((await box.molq(["logs", held])).stdout, `${HOST_A}\n`);

  // A retry is started by its own host too: B's passes leave it waiting.
  const first = await submit(box, [
    "--name",
    "retried-here",
    "--retries",
    "2",
    "--retry-backoff",
    "1s",
    "--command",
    "hostname; exit 9",
  ]);
  await eventually(
    async () => (await box.json<Json>(["status", first])).state === "failed" || undefined,
    20_000,
    "the first attempt to fail",
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // its backoff is over
  for (let pass = 0; pass < 2; pass++) await molqOn(HOST_B, box, ["refresh", "--force"]);
  const due = await latestNamed(box, "retried-here");
  assert.equal(due.attempt, 2);
  assert.equal(due.scheduler_job_id, null, "B did not start A's retry");
  await eventually(
    async () => {
      await box.molq(["refresh", "--force"]);
      const latest = await latestNamed(box, "retried-here");
      return latest.state === "failed" ? latest : undefined;
    },
    20_000,
    "A to run the retry",
  );
  const retried = await latestNamed(box, "retried-here");
  assert.equal(retried.host, HOST_A);
  const logs = await box.molq(["logs", retried.job_id as string]);
  assert.equal(logs.stdout, `${HOST_A}\n`, "the retry ran on A");
});

/** A record as the store holds it now, read without running molq (so without a pass). */
function stored(box: Sandbox, id: string): Json {
  const db = new DatabaseSync(join(box.home, "jobs.db"), { readOnly: true });
  try {
    return { ...db.prepare("SELECT state, exit_code FROM jobs WHERE job_id = ?").get(id) };
  } finally {
    db.close();
  }
}

Deno.test({
  name:
    "with a daemon on each login node, the one waiting for the lease still follows its own host's local jobs",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!(await unlessNoSecondHost("the daemon-per-login-node test"))) return;
    const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s", MOLQ_DAEMON_HEARTBEAT: "1s" });
    const onB = startMolq(box, ["daemon", "--interval", "1s"], { hostname: HOST_B });
    let onA: ReturnType<typeof startMolq> | undefined;
    try {
      await onB.waitFor(/holds the lease: refreshing/, "B's daemon to take the lease");
      onA = startMolq(box, ["daemon", "--interval", "1s"]);
      await onA.waitFor(
        /waiting: molq daemon pid \d+ on login2 since \S+ holds the lease; refreshing this host's local jobs meanwhile\.$/m,
        "A's daemon to wait",
      );
      const id = await submit(box, ["--command", "sleep 1; exit 5"]);
      // No molq command runs on A from here on: only its waiting daemon can see the end.
      await onA.waitFor(
        new RegExp(
          ` local ${id.slice(0, 8)} \\(\\d+\\): \\w+ → failed: Exited with code 5$`,
          "m",
        ),
        "A's waiting daemon to record the end",
      );
      assert.deepEqual(stored(box, id), { state: "failed", exit_code: 5 });
      assert.doesNotMatch(onB.stderr(), new RegExp(id.slice(0, 8)), "B never judged A's job");

      // A one-shot pass on A beside B's daemon covers A's own local jobs.
      onA.kill("SIGTERM");
      await onA.status;
      const next = await submit(box, ["--", "true"]);
      await exitCodeWritten(box, next);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // A's last pass is 1 s old
      const once = await box.molq(["daemon", "--once"]);
      assert.equal(once.code, 0, once.stderr);
      assert.match(
        once.stderr,
        /holds the lease; this pass covers only this host's local jobs\.$/m,
      );
      assert.match(
        once.stderr,
        new RegExp(`local ${next.slice(0, 8)} \\(\\d+\\): \\w+ → succeeded`),
      );
      assert.equal(stored(box, next).state, "succeeded");
    } finally {
      onB.kill("SIGKILL");
      onA?.kill("SIGKILL");
    }
  },
});

Deno.test("two login nodes refreshing side by side keep every job right", async () => {
  if (!(await unlessNoSecondHost("the side-by-side refresh test"))) return;
  const box = hostBox();
  const jobs = [
    { args: ["--", "true"], state: "succeeded", exit: 0 },
    { args: ["--command", "sleep 1; exit 2"], state: "failed", exit: 2 },
    { args: ["--command", "sleep 2"], state: "succeeded", exit: 0 },
    { args: ["--time", "1s", "--", "sleep", "30"], state: "timed_out", exit: null },
    { args: ["--", "sleep", "40"], state: "running", exit: null },
  ];
  const ids: string[] = [];
  for (const job of jobs) ids.push(await submit(box, job.args));
  const stop = Date.now() + 8_000;
  const loop = async (run: () => Promise<unknown>) => {
    while (Date.now() < stop) await run();
  };
  await Promise.all([
    loop(() => box.molq(["refresh"])),
    loop(() => molqOn(HOST_B, box, ["refresh"])),
  ]);
  await box.molq(["refresh", "--force"]);
  const records = await box.json<Json[]>(["status", ...ids]);
  const byId = new Map(records.map((r) => [r.job_id as string, r]));
  jobs.forEach((job, i) => {
    const record = byId.get(ids[i]!)!;
    assert.equal(record.state, job.state, `job ${i}: ${record.failure_reason}`);
    if (job.exit !== null) assert.equal(record.exit_code, job.exit);
  });
  // Each host has its own budget and lease for its local jobs.
  const clusters = await box.json<Json[]>(["clusters"]);
  assert.ok(clusters.some((c) => c.name === "local"));
  const db = new DatabaseSync(join(box.home, "jobs.db"), { readOnly: true });
  const keys = db.prepare("SELECT name FROM clusters ORDER BY name").all().map((r) => r.name);
  db.close();
  assert.deepEqual(keys, [`local@${HOST_A}`, `local@${HOST_B}`].sort());
  await box.molq(["cancel", ids.at(-1)!]);
});

Deno.test("a local job whose host restarted while it ran ends failed, saying so", async () => {
  const box = hostBox();
  const id = await submit(box, ["--", "sleep", "60"]);
  const job = await running(box, id);
  // The job dies with its host (no exit code), and the host comes back with a new boot id:
  // here the old boot id is put back into the record instead.
  Deno.kill(-Number(job.scheduler_job_id), "SIGKILL");
  const db = new DatabaseSync(join(box.home, "jobs.db"));
  db.prepare("UPDATE jobs SET boot_id = 'a-boot-before-the-restart' WHERE job_id = ?").run(id);
  db.close();
  const refresh = await box.molq(["refresh", "--force"]);
  assert.equal(refresh.code, 0, refresh.stderr);
  const final = await box.json<Json>(["status", id]);
  assert.equal(final.state, "failed");
  assert.equal(
    final.failure_reason,
    `The host ${HOST_A} was restarted while the job ran, so it ended without an exit code.`,
  );
});

Deno.test("list shows each local job's host once the store holds local jobs of several hosts, or another host's", async () => {
  const box = hostBox();
  const id = await submit(box, ["--", "sleep", "30"]);
  await running(box, id);
  const single = await box.molq(["list", "--no-refresh"]);
  assert.match(single.stdout, /\blocal\b/);
  assert.doesNotMatch(single.stdout, /local@/, "one host: no host column");
  if (await unlessNoSecondHost("the host-naming list on the second login node")) {
    // Seen from the other login node, that one host is not its own: it is named.
    const fromB = await molqOn(HOST_B, box, ["list", "--no-refresh"]);
    assert.equal(fromB.code, 0, fromB.stderr);
    assert.match(fromB.stdout, new RegExp(`local@${HOST_A}`));
    const statusFromB = await molqOn(HOST_B, box, ["status", id, "--no-refresh"]);
    assert.match(statusFromB.stdout, new RegExp(`local@${HOST_A}`));
  }
  // A job recorded by another login node (as its molq there would have written it).
  const db = new DatabaseSync(join(box.home, "jobs.db"));
  const other = crypto.randomUUID();
  const columns = db.prepare("SELECT name FROM pragma_table_info('jobs')").all()
    .map((row) => row.name as string);
  const values = columns.map((c) =>
    c === "job_id" || c === "lineage_id" ? "?" : c === "host" ? `'${HOST_B}'` : c
  );
  db.prepare(
    `INSERT INTO jobs (${columns.join(", ")}) SELECT ${
      values.join(", ")
    } FROM jobs WHERE job_id = ?`,
  ).run(other, other, id);
  db.close();
  const several = await box.molq(["list", "--no-refresh"]);
  assert.match(several.stdout, new RegExp(`local@${HOST_A}`));
  assert.match(several.stdout, new RegExp(`local@${HOST_B}`));
  const refresh = await box.molq(["refresh", "--force"]);
  assert.equal(refresh.code, 0, refresh.stderr);
  const record = await box.json<Json>(["status", other, "--no-refresh"]);
  assert.equal(record.state, "running", "this host never judges login2's job");
  await box.molq(["cancel", id]);
});
