/**
 * End-of-job notifications through the real CLI and local jobs: exactly one per job while
 * several processes race to record the ends, the MOLQ_* facts, --no-notify, a failing and a
 * hanging command that change no job and hold up no pass, a crash between claim and
 * delivery, and mail through the local sendmail.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BINARY_PERMISSIONS, eventually, MAIN, type Sandbox, sandbox } from "./_molq.ts";
import { simBox } from "./_sim_cluster.ts";

type Json = Record<string, unknown>;
const CRASH_FIXTURE = fileURLToPath(new URL("./fixtures/notify/end_and_die.ts", import.meta.url));

/** A sandbox whose config notifies on every final state by appending a line to a file. */
function notifyingBox(extra = "", env: Record<string, string> = {}) {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s", MOLQ_LOST_GRACE: "1s", ...env });
  const log = join(box.cwd, "notified.log");
  const line =
    '"$MOLQ_JOB_ID|$MOLQ_STATE|$MOLQ_EXIT_CODE|$MOLQ_JOB_NAME|$MOLQ_CLUSTER|$MOLQ_STDOUT"';
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(
    join(box.home, "config.toml"),
    `[notify]
on = ["succeeded", "failed", "timed_out", "cancelled", "lost"]
command = ["/bin/sh", "-c", 'printf "%s\\n" ${line} >> "$0"', ${JSON.stringify(log)}]
timeout = "2s"
${extra}`,
  );
  const lines = () => {
    try {
      return Deno.readTextFileSync(log).split("\n").filter((l) => l !== "");
    } catch {
      return [];
    }
  };
  return { box, log, lines };
}

async function submit(box: Sandbox, args: string[]): Promise<string> {
  return (await box.json<Json>(["submit", "local", ...args])).job_id as string;
}

async function inspect(box: Sandbox, id: string): Promise<Json> {
  return await box.json<Json>(["inspect", id]);
}

function spawnMolq(box: Sandbox, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args],
    cwd: box.cwd,
    env: { ...box.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

Deno.test("five jobs ending five ways while four processes refresh: one notification each", async () => {
  const { box, lines } = notifyingBox();
  const ok = await submit(box, ["--name", "ok", "--", "sh", "-c", "sleep 1"]);
  const bad = await submit(box, ["--name", "bad", "--", "sh", "-c", "sleep 1; exit 3"]);
  const slow = await submit(box, ["--name", "slow", "--time", "2", "--", "sleep", "30"]);
  const stop = await submit(box, ["--name", "stop", "--", "sleep", "30"]);
  const gone = await submit(box, ["--name", "gone", "--", "sleep", "30"]);
  const ids = [ok, bad, slow, stop, gone];
  const watchers = Array.from(
    { length: 4 },
    () => spawnMolq(box, ["watch", ...ids, "--poll", "fixed:500ms", "--json"]),
  );
  // The lost one: its wrapper dies without a trace, so nothing anywhere knows it any more.
  const goneRecord = await eventually(
    async () => {
      const record = await box.json<Json>(["status", gone]);
      return record.state === "running" ? record : undefined;
    },
    30_000,
    "the job to run",
  );
  Deno.kill(-Number(goneRecord.scheduler_job_id), "SIGKILL");
  const goneDir = (goneRecord.metadata as Record<string, string>)["molq.job_dir"]!;
  Deno.removeSync(join(goneDir, "started_at"));
  const cancel = await box.molq(["cancel", stop]);
  assert.equal(cancel.code, 0, cancel.stderr);
  const results = await Promise.all(watchers.map((w) => w.output()));
  for (const result of results) {
    assert.equal(
      result.code,
      1,
      `watch ends 1: not all succeeded (${new TextDecoder().decode(result.stderr)})`,
    );
  }
  const seen = new Map(lines().map((line) => [line.split("|")[0]!, line.split("|")]));
  assert.equal(lines().length, 5, `exactly one line per job:\n${lines().join("\n")}`);
  const expect: [string, string, string | RegExp, string][] = [
    [ok, "succeeded", "0", "ok"],
    [bad, "failed", "3", "bad"],
    [slow, "timed_out", /^\d*$/, "slow"],
    [stop, "cancelled", /^\d*$/, "stop"],
    [gone, "lost", "", "gone"],
  ];
  for (const [id, state, code, name] of expect) {
    const [, gotState, gotCode, gotName, cluster, stdout] = seen.get(id) ?? [];
    assert.equal(gotState, state, `${name}: ${seen.get(id)}`);
    if (typeof code === "string") assert.equal(gotCode, code, name);
    else assert.match(gotCode!, code, name);
    assert.equal(gotName, name);
    assert.equal(cluster, "local");
    assert.match(stdout!, new RegExp(`/${id}/stdout\\.log$`));
    const record = await inspect(box, id);
    assert.equal(record.state, state);
    const notification = record.notification as Json;
    assert.deepEqual([notification.status, notification.attempts], ["sent", 1], name);
  }
});

Deno.test("--no-notify is honoured, and inspect says nothing was claimed", async () => {
  const { box, lines } = notifyingBox();
  const quiet = await submit(box, ["--no-notify", "--", "sh", "-c", "exit 1"]);
  const loud = await submit(box, ["--", "sh", "-c", "exit 1"]);
  await eventually(
    async () => {
      await box.molq(["refresh"]);
      return lines().length === 1 ? true : undefined;
    },
    30_000,
    "one notification",
  );
  await box.molq(["refresh"]);
  assert.equal(lines().length, 1);
  assert.ok(lines()[0]!.startsWith(loud));
  const record = await inspect(box, quiet);
  assert.equal(record.state, "failed");
  assert.equal(record.notification, null);
});

Deno.test("a failing and a hanging notify command change no job and hold up no pass", async () => {
  const { box } = notifyingBox("", { MOLQ_NOTIFY_RETRY: "1s" });
  const failing = await submit(box, [
    "--notify-command",
    "echo broken >&2; exit 7",
    "--",
    "true",
  ]);
  const hanging = await submit(box, ["--notify-command", "sleep 20", "--", "true"]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  // This refresh records both ends and owes both notifications; it waits for them at exit.
  const first = spawnMolq(box, ["refresh"]);
  const ended = await eventually(
    async () => {
      const records = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
      return records.every((r) => r.state === "succeeded") ? records : undefined;
    },
    20_000,
    "both jobs recorded as succeeded while the notify command hangs",
  );
  assert.equal(ended.length, 2);
  // Another process's pass is neither blocked nor skipped while the command hangs.
  const started = Date.now();
  const second = await box.json<Json[]>(["refresh", "--force"]);
  assert.ok(Date.now() - started < 10_000, "the other pass ran at once");
  assert.deepEqual(second.map((pass) => pass.skipped), [false]);
  assert.equal((await first.output()).code, 0, "a failed notification is not a failed refresh");
  const failed = (await inspect(box, failing)).notification as Json;
  assert.equal(failed.status, "pending");
  assert.equal(failed.attempts, 1);
  assert.match(failed.error as string, /exited with code 7: broken/);
  const hung = (await inspect(box, hanging)).notification as Json;
  assert.match(hung.error as string, /did not finish within 2 s and was killed/);
  // Later passes retry, then give up, keeping the error for inspect.
  await eventually(
    async () => {
      await box.molq(["refresh"]);
      const row = (await inspect(box, failing)).notification as Json;
      return row.status === "failed" ? row : undefined;
    },
    60_000,
    "molq to give up",
  );
  const text = await box.molq(["inspect", failing]);
  assert.match(text.stdout, /notify +gave up after 3 attempts \(of 3\): .*exited with code 7/);
  assert.equal((await inspect(box, failing)).state, "succeeded", "the job is unaffected");
});

Deno.test("a notification claimed by a process that died is delivered by a later pass", async () => {
  const { box, lines } = notifyingBox();
  const id = await submit(box, ["--name", "orphan", "--", "sleep", "30"]);
  await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return record.state === "running" ? record : undefined;
    },
    30_000,
    "the job to run",
  );
  // Records the end (claiming the notification in that transaction) and exits at once.
  const crash = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...BINARY_PERMISSIONS, CRASH_FIXTURE, join(box.home, "jobs.db"), id],
    env: box.env,
  }).output();
  assert.equal(crash.code, 0, new TextDecoder().decode(crash.stderr));
  const claimed = (await inspect(box, id)).notification as Json;
  assert.deepEqual([claimed.status, claimed.attempts], ["pending", 0]);
  assert.deepEqual(lines(), []);
  await box.molq(["refresh"]);
  assert.deepEqual(lines(), [], "the dead holder's lease has not run out yet");
  const delivered = await eventually(
    async () => {
      await box.molq(["refresh"]);
      return lines().length > 0 ? lines() : undefined;
    },
    30_000,
    "a later pass to deliver it",
  );
  assert.equal(delivered.length, 1);
  assert.match(delivered[0]!, new RegExp(`^${id}\\|failed\\|\\|orphan\\|`));
  const record = await inspect(box, id);
  const row = record.notification as Json;
  assert.deepEqual([row.status, row.attempts], ["sent", 1]);
  await box.molq(["refresh"]);
  assert.equal(lines().length, 1, "and only once");
  Deno.kill(-Number(record.scheduler_job_id), "SIGKILL"); // the sleep the record forgot
});

Deno.test("mail goes through the local sendmail with the job's facts", async () => {
  const { box } = notifyingBox();
  const bin = join(box.cwd, "bin");
  Deno.mkdirSync(bin);
  const outbox = join(box.cwd, "outbox");
  Deno.writeTextFileSync(
    join(bin, "sendmail"),
    `#!/bin/sh\nprintf 'args: %s\\n' "$*" >> ${JSON.stringify(outbox)}\ncat >> ${
      JSON.stringify(outbox)
    }\n`,
    { mode: 0o755 },
  );
  Deno.writeTextFileSync(
    join(box.home, "config.toml"),
    '[notify]\nmail = "ada@example.org"\ntimeout = "5s"\n',
  );
  const env = { PATH: `${bin}:${Deno.env.get("PATH")}` };
  const id =
    (await box.json<Json>(["submit", "local", "--name", "mailed", "--", "sh", "-c", "exit 2"]))
      .job_id as string;
  await eventually(
    async () => {
      await box.molq(["refresh"], { env });
      try {
        return Deno.readTextFileSync(outbox);
      } catch {
        return undefined;
      }
    },
    30_000,
    "a mail",
  );
  const mail = Deno.readTextFileSync(outbox);
  assert.match(mail, /^args: -t -oi\n/);
  assert.match(
    mail,
    new RegExp(
      `\\nTo: ada@example.org\\nSubject: molq: job mailed \\(${
        id.slice(0, 8)
      }\\) failed: Exited with code 2\\.\\n`,
    ),
  );
  assert.match(mail, /\nexit_code +2\n/);
  const doctor = await box.molq(["doctor", "--json"], { env });
  const mailCheck = (JSON.parse(doctor.stdout) as Json[]).find((c) => c.name === "mail")!;
  assert.match(mailCheck.detail as string, new RegExp(`sendmail at ${bin}/sendmail`));
});

Deno.test("an array notifies once, when all its tasks have ended, with their counts", async () => {
  const sim = simBox("pbs", { settings: { PBS_SIM_HISTORY: "1" }, flavour: "pro" });
  const log = join(sim.cwd, "notified.log");
  Deno.writeTextFileSync(
    join(sim.home, "config.toml"),
    `\n[notify]\ncommand = ["/bin/sh", "-c", 'printf "%s|%s|%s|%s\\\\n" "$MOLQ_JOB_ID" "$MOLQ_STATE" "$MOLQ_ARRAY_TASKS" "$MOLQ_ARRAY_COUNTS" >> "$0"', ${
      JSON.stringify(log)
    }]\n`,
    { append: true },
  );
  const array = await sim.submit([
    "--array",
    "0-2",
    "--command",
    'sleep 1; [ "$PBS_ARRAY_INDEX" != 1 ]',
  ]);
  const records = await sim.settle([array.job_id as string]);
  const tasks = [...records.values()].filter((r) => r.array_job_id === array.job_id);
  assert.equal(tasks.length, 3);
  await sim.molq(["refresh"]);
  const lines = Deno.readTextFileSync(log).split("\n").filter((l) => l !== "");
  assert.deepEqual(lines, [`${array.job_id}|failed|3|1 failed, 2 succeeded`]);
});

Deno.test("molq config check names a [notify] problem and its key", async () => {
  const box = sandbox();
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(
    join(box.home, "config.toml"),
    '[notify]\non = ["failed", "exploded"]\ncommand = ["notify-send"]\n',
  );
  const check = await box.molq(["config", "check"]);
  assert.equal(check.code, 2);
  assert.match(
    check.stderr,
    /notify\.on: expected an array of final states \(succeeded, failed, cancelled, timed_out, lost\), got "exploded"\./,
  );
  const submit = await box.molq(["submit", "local", "--", "true"]);
  assert.equal(submit.code, 2, "an invalid config stops submissions too");
});
