/**
 * End to end: the real `molq` CLI against the REAL one-node SLURM 22.05
 * (scripts/slurm-dev-cluster.sh): success, failure, cancel, time-out, arrays, dependencies,
 * launch failures and hostile strings. The cluster is started when it is not up; without
 * SLURM these tests FAIL unless MOLQ_SLURM_TESTS=skip. Every job is cancelled at the end.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, exitCodeWritten } from "./_molq.ts";
import { runCommand } from "../src/process/run_command.ts";
import { ready, SKIP, slurmTest } from "./slurm_cluster.ts";
import {
  arrayTasks,
  cleanupTest,
  final,
  type Json,
  slurmBox,
  squeueField,
  status,
  submit,
  until,
} from "./fixtures/slurm/cli.ts";

// The time-out takes 65-90 s on SLURM (limits are checked every ~30 s): submitted when the
// file loads, checked by the last test, so that it overlaps all the others.
const timeoutBox = SKIP ? null : slurmBox();
const timeoutJob: Promise<Json> = SKIP
  ? Promise.resolve({})
  : ready.then(() => submit(timeoutBox!, ["slurm", "--time", "1", "--", "sleep", "300"]));
timeoutJob.catch(() => {}); // reported by the last test

slurmTest("CLI on SLURM: a job with resources succeeds, and its logs read back", async () => {
  const box = slurmBox();
  const record = await submit(box, [
    "slurm",
    ...["--cpus", "2", "--mem", "100M", "--time", "5m", "--name", "e2e-ok"],
    "--",
    ...["sh", "-c", "sleep 1; echo out; echo err >&2"],
  ]);
  const sid = record.scheduler_job_id as string;
  assert.match(sid, /^\d+$/);
  // What SLURM was asked for, read back from SLURM itself.
  assert.equal(await squeueField(sid, "%j|%C|%m|%l"), "e2e-ok|2|100M|5:00");
  const done = await final(box, record.job_id as string);
  assert.equal(done.state, "succeeded");
  assert.equal(done.exit_code, 0);
  assert.equal(done.failure_reason, null);
  assert.ok(done.started_at && done.finished_at && done.finished_at >= done.started_at);
  const id = (record.job_id as string).slice(0, 8);
  assert.equal((await box.molq(["logs", id])).stdout, "out\n");
  assert.equal((await box.molq(["logs", id, "slurm", "--stream", "stderr"])).stdout, "err\n");
  const watched = await box.molq(["watch", id]);
  assert.equal(watched.code, 0, watched.stderr);
});

slurmTest(
  "CLI on SLURM: cancel of a job that ended since the last pass keeps its result",
  async () => {
    const box = slurmBox();
    const record = await submit(box, ["slurm", "--", "sh", "-c", "exit 4"]);
    const id = record.job_id as string;
    await exitCodeWritten(box, id); // no pass has seen it end
    const before = await box.json<Json>(["status", id, "--no-refresh"]);
    assert.ok(
      ["submitted", "queued", "running"].includes(before.state as string),
      "not seen ending",
    );
    const refused = await box.molq(["cancel", id]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(
      refused.stderr,
      `molq: Cannot cancel job "${
        id.slice(0, 8)
      }": it has already ended with exit code 4; the next refresh records its result.\n`,
    );
    const done = await final(box, id);
    assert.deepEqual([done.state, done.exit_code], ["failed", 4]);
  },
);

slurmTest("CLI on SLURM: exit 3 is failed with exit code 3; watch exits 1", async () => {
  const box = slurmBox();
  const record = await submit(box, ["slurm", "--", "sh", "-c", "echo bye; exit 3"]);
  const done = await final(box, record.job_id as string);
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.equal((await box.molq(["logs", record.job_id as string])).stdout, "bye\n");
  const watched = await box.molq(["watch", record.job_id as string]);
  assert.equal(watched.code, 1);
});

slurmTest("CLI on SLURM: cancelling a running and a held job ends both cancelled", async () => {
  const box = slurmBox();
  const running = await submit(box, ["slurm", "--", "sleep", "300"]);
  const held = await submit(box, ["slurm", "--scheduler-arg=--hold", "--", "sleep", "300"]);
  await until(box, running.job_id as string, (r) => r.state === "running", "running");
  const pending = await status(box, held.job_id as string);
  assert.deepEqual([pending.state, pending.state_detail], ["queued", "JobHeldUser"]);
  const cancel = await box.molq(["cancel", running.job_id as string, held.job_id as string]);
  assert.equal(cancel.code, 0, cancel.stderr);
  for (const job of [running, held]) {
    // SLURM itself ended them, and a later pass does not change the records.
    const sid = job.scheduler_job_id as string;
    await eventually(
      async () => (await squeueField(sid, "%T")) === "CANCELLED" || undefined,
      30_000,
      `SLURM to cancel ${sid}`,
    );
    const record = await status(box, job.job_id as string);
    assert.equal(record.state, "cancelled");
    assert.equal(record.failure_reason, "Cancelled by the user.");
    assert.equal(record.state_detail, null, "a held job's pending reason ends with it");
  }
  const again = await box.molq(["cancel", held.job_id as string]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already finished \(cancelled\)/);
});

slurmTest("CLI on SLURM: an array of 4 with one failing task", async () => {
  const box = slurmBox();
  const script = 'echo "task $SLURM_ARRAY_TASK_ID"; [ "$SLURM_ARRAY_TASK_ID" != 2 ] || exit 5';
  const parent = await submit(box, ["slurm", "--array", "0-3", "--", "sh", "-c", script]);
  const done = await final(box, parent.job_id as string);
  assert.equal(done.state, "failed");
  assert.equal(
    done.failure_reason,
    "1 of 4 array tasks did not succeed: task 2 failed (exit code 5).",
  );
  const tasks = await arrayTasks(box, parent.job_id as string);
  const sid = parent.scheduler_job_id as string;
  assert.deepEqual(tasks.map((t) => [t.array_task_id, t.scheduler_job_id, t.state, t.exit_code]), [
    ["0", `${sid}_0`, "succeeded", 0],
    ["1", `${sid}_1`, "succeeded", 0],
    ["2", `${sid}_2`, "failed", 5],
    ["3", `${sid}_3`, "succeeded", 0],
  ]);
  for (const task of tasks) {
    const logs = await box.molq(["logs", (task.job_id as string).slice(0, 12)]);
    assert.equal(logs.stdout, `task ${task.array_task_id}\n`, logs.stderr);
  }
});

slurmTest("CLI on SLURM: --after-ok chains, and one that can never run is flagged", async () => {
  const box = slurmBox();
  const id = (r: Json) => r.job_id as string;
  const first = await submit(box, ["slurm", "--", "sleep", "5"]);
  const next = await submit(box, ["slurm", "--after-ok", id(first).slice(0, 8), "--", "true"]);
  const broken = await submit(box, ["slurm", "--", "sh", "-c", "exit 1"]);
  const never = await submit(box, ["slurm", "--after-ok", id(broken), "--", "true"]);
  assert.equal(
    await squeueField(next.scheduler_job_id as string, "%E"),
    `afterok:${first.scheduler_job_id}(unfulfilled)`,
  );
  assert.equal((await final(box, id(next))).state, "succeeded");
  assert.equal((await final(box, id(broken))).state, "failed");
  const flagged = "DependencyNeverSatisfied: will never run";
  await until(box, id(never), (r) => r.state_detail === flagged, "never-satisfied reason");
  const inspected = await box.json<Json>(["inspect", id(never)]);
  assert.equal(inspected.state, "queued");
  assert.equal(inspected.state_detail, flagged);
  const human = await box.molq(["inspect", id(never)]);
  assert.match(human.stdout, /^state +queued \(DependencyNeverSatisfied: will never run\)$/m);
  assert.match(human.stdout, new RegExp(`^depends on +afterok:${id(broken).slice(0, 8)}$`, "m"));
  // watch does not wait for ever for a job that can never start.
  const watched = await box.molq(["watch", id(never)]);
  assert.equal(watched.code, 1, watched.stderr);
  const short = id(never).slice(0, 8);
  assert.match(
    watched.stderr,
    new RegExp(
      `did not succeed: ${short} queued \\(DependencyNeverSatisfied: will never run\\)\\.`,
    ),
  );
  assert.match(
    watched.stderr,
    new RegExp(`hint: ${short} can never start; \`molq cancel ${short}\` removes it\\.`),
  );
  assert.equal((await box.molq(["cancel", id(never)])).code, 0);
  assert.equal((await status(box, id(never))).state, "cancelled");
});

slurmTest(
  "CLI on SLURM: a job whose output directory is missing fails as a launch failure",
  async () => {
    const box = slurmBox();
    // molq refuses an output directory that does not exist when it submits...
    const refused = await box.molq([
      "submit",
      "slurm",
      "--stdout",
      "/nonexistent/dir/out.log",
      "--",
      "true",
    ]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      "molq: Invalid --stdout /nonexistent/dir/out.log: the directory /nonexistent/dir does not exist.\n",
    );
    assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), []);
    // ...so make it disappear after submission, while the job is held: SLURM cannot launch it.
    const dir = join(box.cwd, "gone");
    Deno.mkdirSync(dir);
    const held = await submit(box, [
      "slurm",
      "--scheduler-arg=--hold",
      ...["--stdout", join(dir, "out.log")],
      ...["--", "true"],
    ]);
    Deno.removeSync(dir);
    await runCommand(["scontrol", "release", held.scheduler_job_id as string]);
    const done = await final(box, held.job_id as string);
    assert.equal(done.state, "failed");
    assert.match(done.failure_reason as string, /could not launch the job \(JobLaunchFailure\)/);
  },
);

slurmTest(
  "CLI on SLURM: hostile strings reach the job exactly, and no shell evaluates them",
  async () => {
    const box = slurmBox();
    const marker = (n: number) => `molq-marker-${n}`;
    const strings = [
      "with space",
      "",
      "'single' \"double\" it's",
      "back\\slash\\",
      `$(touch ${marker(1)})`,
      `\`touch ${marker(2)}\``,
      `; touch ${marker(3)};`,
      `a && touch ${marker(4)} | touch ${marker(4)}`,
      `line1\nline2 $(touch ${marker(5)})`,
      "${HOME} $1 $@ $$ %j %x %%",
      "-n",
      "--help",
      "--partition=long",
      "#SBATCH --hold",
      "naïve 日本語 🎉 \u202Eltr e\u0301",
      "\x1b[31mred\x1b[0m\ttab\r\n",
    ];
    const tools = join(box.cwd, `tools $(touch ${marker(6)}) ;`);
    Deno.mkdirSync(tools);
    const dumper = join(tools, `-dump \`touch ${marker(7)}\`; it's.sh`);
    Deno.writeTextFileSync(
      dumper,
      `#!/bin/sh\nprintf '%s\\0' "$@" >argv.bin\nenv -0 >env.bin\nprintf '%s' "$PWD" >pwd.txt\necho out\necho err >&2\n`,
      { mode: 0o755 },
    );
    const workdirName = `-w $(touch ${marker(8)}) \`touch ${marker(9)}\`; 'q' "d" 50% ü`;
    const workdir = join(box.cwd, workdirName);
    Deno.mkdirSync(workdir);
    const stdout = join(workdir, `out $(touch ${marker(10)}) ; 'q' %j.log`);
    const stderr = join(workdir, `-err \`touch ${marker(11)}\` "d" 100%.log`);
    const name = `-name $(touch ${marker(12)}) \`touch ${marker(13)}\`; "it's" hetjob 🎉`;
    const env: Record<string, string> = {};
    strings.forEach((value, i) => (env[`HOSTILE_${i}`] = value));
    const record = await submit(box, [
      "slurm",
      ...["--name", name, `--workdir=${workdirName}`, `--stdout=${stdout}`, `--stderr=${stderr}`],
      ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
      "--",
      dumper,
      ...strings,
    ]);
    assert.equal(
      await squeueField(record.scheduler_job_id as string, "%j@@%Z"),
      `${name}@@${workdir}`,
    );
    const done = await final(box, record.job_id as string);
    assert.equal(done.state, "succeeded", String(done.failure_reason));
    const expectedArgv = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(""));
    assert.deepEqual(Deno.readFileSync(join(workdir, "argv.bin")), expectedArgv);
    const jobEnv = new Map<string, string>();
    for (
      const entry of new TextDecoder().decode(Deno.readFileSync(join(workdir, "env.bin"))).split(
        "\0",
      )
    ) {
      const at = entry.indexOf("=");
      if (at > 0) jobEnv.set(entry.slice(0, at), entry.slice(at + 1));
    }
    for (const [key, value] of Object.entries(env)) assert.equal(jobEnv.get(key), value, key);
    assert.equal(Deno.readTextFileSync(join(workdir, "pwd.txt")), workdir);
    assert.equal(Deno.readTextFileSync(stdout), "out\n");
    assert.equal(Deno.readTextFileSync(stderr), "err\n");
    assert.equal(done.name, name);
    assert.equal(done.cwd, workdir);
    assert.equal((await box.molq(["logs", record.job_id as string])).stdout, "out\n");
    // No shell evaluated anything: no marker file anywhere in the sandbox.
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of Deno.readDirSync(dir)) {
        if (entry.name.startsWith("molq-marker-")) found.push(join(dir, entry.name));
        if (entry.isDirectory) walk(join(dir, entry.name));
      }
    };
    walk(join(box.cwd, ".."));
    assert.deepEqual(found, []);
  },
);

slurmTest(
  "CLI on SLURM: a retry that another process submits runs with its submitter's environment",
  async () => {
    const box = slurmBox();
    const seen = join(box.cwd, "seen");
    const marker = join(box.cwd, "ran-once");
    const command = `printf '%s\\n' "$ORIGIN" >> '${seen}'; ` +
      `[ -e '${marker}' ] || { : > '${marker}'; exit 3; }`;
    const submitted = await box.molq(
      [
        "submit",
        "slurm",
        "--json",
        "--retries",
        "2",
        "--retry-backoff",
        "1s",
        "--command",
        command,
      ],
      { env: { ORIGIN: "submitter" } },
    );
    assert.equal(submitted.code, 0, submitted.stderr);
    const first = JSON.parse(submitted.stdout) as Json;
    // The failure, the retry and its sbatch all happen in the "cron" process.
    const watch = await box.molq(
      ["watch", first.job_id as string, "--json", "--poll", "fixed:1s", "--timeout", "120s"],
      { env: { ORIGIN: "cron", PATH: "/usr/bin:/bin" } },
    );
    assert.equal(watch.code, 0, watch.stderr);
    const [done] = JSON.parse(watch.stdout) as Json[];
    assert.equal(done!.attempt, 2);
    assert.equal(done!.state, "succeeded");
    assert.equal(Deno.readTextFileSync(seen), "submitter\nsubmitter\n");
  },
);

slurmTest("CLI on SLURM: --time 1 on sleep 300 ends timed_out", async () => {
  const record = await timeoutJob;
  const done = await final(timeoutBox!, record.job_id as string, 180_000);
  assert.equal(done.state, "timed_out");
  assert.equal(done.failure_reason, "Killed by SLURM for exceeding its time limit.");
  assert.equal(done.exit_code, null);
});

cleanupTest();
