/**
 * End to end: the real `molq` CLI against the REAL one-host Son of Grid Engine 8.1.9
 * (scripts/sge-dev-cluster.sh): success, failure, cancel, time-out, arrays, molq-held
 * dependencies, an error state, a burst answered by one qstat per pass, jobs Grid Engine
 * forgot before molq polled them, and sge_qmaster going away mid-pass. The cell is started
 * when it is not up; without Grid Engine these tests FAIL unless MOLQ_SGE_TESTS=skip.
 * Every job is deleted at the end.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { runCommand } from "../src/process/run_command.ts";
import { eventually } from "./_molq.ts";
import {
  arrayTasks,
  cleanupTest,
  devCluster,
  final,
  type Json,
  listed,
  profile,
  QACCT_COUNTING,
  QSTAT_COUNTING,
  qstatJob,
  ready,
  remember,
  sgeBox,
  sgeTest,
  SKIP,
  status,
  stored,
  submit,
  TERMINAL,
  until,
  waitUntilGone,
} from "./sge_cluster.ts";

const id = (record: Json) => record.job_id as string;
const exists = (path: string) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
};
const sid = (record: Json) => record.scheduler_job_id as string;

// Jobs that end within seconds and leave qstat: submitted when the file loads and left alone
// (nothing polls this sandbox) until the "forgotten" test, so the wait overlaps the others.
const forgetBox = SKIP ? null : sgeBox(profile("counted", { qacct: QACCT_COUNTING }));
const forgotten: Promise<Record<string, Json>> = SKIP
  ? Promise.resolve({})
  : ready.then(async () => {
    const box = forgetBox!;
    const target = ["--cluster", "counted"];
    const jobs: Record<string, Json> = {};
    jobs.ok = await submit(box, [...target, "--", "true"]);
    jobs.exit4 = await submit(box, [...target, "--", "sh", "-c", "exit 4"]);
    jobs.array = await submit(box, [
      ...target,
      ...["--array", "1-2", "--", "sh", "-c", '[ "$SGE_TASK_ID" != 2 ] || exit 6'],
    ]);
    // Only accounting knows these: killed at h_rt, and killed by an administrator's qdel.
    jobs.timeout = await submit(box, [...target, "--time", "2", "--", "sleep", "60"]);
    jobs.killed = await submit(box, [...target, "--", "sleep", "60"]);
    const startedAt = join(jobs.killed.job_dir as string, "started_at");
    await eventually(
      () => {
        try {
          return Deno.statSync(startedAt).isFile || undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
      "the job to be killed to start",
    );
    await runCommand(["qdel", sid(jobs.killed)]);
    // Never started (its log directory vanished: Eqw), then deleted by an administrator: its
    // accounting record has no start time, so `qacct -b` cannot find it.
    const gone = join(dirname(box.home), "gone");
    Deno.mkdirSync(gone);
    jobs.unstartable = await submit(box, [
      ...target,
      ...["--scheduler-arg=-h", "--stdout", join(gone, "out.log"), "--", "true"],
    ]);
    Deno.removeSync(gone);
    await runCommand(["qrls", sid(jobs.unstartable)]);
    await eventually(
      async () => /error reason/.test(await qstatJob(sid(jobs.unstartable!))) || undefined,
      60_000,
      "the job to enter its error state",
    );
    await runCommand(["qdel", sid(jobs.unstartable)]);
    return jobs;
  });
forgotten.catch(() => {}); // reported by the test that awaits it

sgeTest("CLI on Grid Engine: a job with resources succeeds, and both logs read back", async () => {
  const box = sgeBox();
  const record = await submit(box, [
    "sge",
    ...["--cpus", "2", "--mem", "100M", "--time", "5m", "--name", "e2e-ok", "--partition", "all.q"],
    "--",
    ...["sh", "-c", "sleep 2; echo out; echo err >&2"],
  ]);
  assert.match(sid(record), /^\d+$/);
  // What Grid Engine was asked for, read back from Grid Engine itself.
  const asked = await qstatJob(sid(record));
  assert.match(asked, /^job_name: +e2e-ok$/m);
  assert.match(asked, /^hard resource_list: +h_vmem=50M,h_rt=300$/m);
  assert.match(asked, /^parallel environment: +smp range: 2$/m);
  assert.match(asked, /^hard_queue_list: +all\.q$/m);
  const done = await final(box, id(record));
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], ["succeeded", 0, null]);
  assert.ok(done.started_at && done.finished_at && done.finished_at >= done.started_at);
  assert.equal((await box.molq(["logs", id(record)])).stdout, "out\n");
  assert.equal((await box.molq(["logs", id(record), "--stream", "stderr"])).stdout, "err\n");
  const watched = await box.molq(["watch", id(record)]);
  assert.equal(watched.code, 0, watched.stderr);
  // What it used, from Grid Engine's accounting (qacct), once it is there.
  const used = await eventually(
    async () => {
      await box.molq(["refresh", "--force"]);
      const usage = (await box.json<Json>(["inspect", id(record)])).usage as Json | null;
      return (usage?.sources as Json | undefined)?.elapsed === "qacct ru_wallclock"
        ? usage
        : undefined;
    },
    60_000,
    "accounting's figures",
  );
  assert.ok(Number(used!.elapsed_seconds) >= 2, `elapsed ${used!.elapsed_seconds}`);
  assert.equal(used!.cpus, 2, "qacct slots");
  assert.equal((used!.sources as Json).cpu, "qacct cpu");
  assert.equal(used!.memory_request_bytes, 100 * 1024 * 1024);
  assert.equal(used!.time_limit_seconds, 300);
});

sgeTest("CLI on Grid Engine: exit 3 is failed with exit code 3 and both logs", async () => {
  const box = sgeBox();
  const record = await submit(box, ["sge", "--", "sh", "-c", "echo bye; echo oops >&2; exit 3"]);
  const done = await final(box, id(record));
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.equal((await box.molq(["logs", id(record)])).stdout, "bye\n");
  assert.equal((await box.molq(["logs", id(record), "--stream", "stderr"])).stdout, "oops\n");
  assert.equal((await box.molq(["watch", id(record)])).code, 1);
});

sgeTest("CLI on Grid Engine: cancelling a running and a pending (held) job", async () => {
  const box = sgeBox();
  const running = await submit(box, ["sge", "--", "sleep", "300"]);
  const held = await submit(box, ["sge", "--scheduler-arg=-h", "--", "sleep", "300"]);
  await until(box, id(running), (r) => r.state === "running", "running");
  const pending = await status(box, id(held));
  assert.deepEqual([pending.state, pending.state_detail], ["queued", "held (hqw)"]);
  const cancel = await box.molq(["cancel", id(running), id(held)]);
  assert.equal(cancel.code, 0, cancel.stderr);
  await waitUntilGone([sid(running), sid(held)], 30_000);
  for (const job of [running, held]) {
    const record = await status(box, id(job));
    assert.deepEqual([record.state, record.failure_reason], [
      "cancelled",
      "Cancelled by the user.",
    ]);
  }
  const again = await box.molq(["cancel", id(held)]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already finished \(cancelled\)/);
});

sgeTest("CLI on Grid Engine: --time 3 on sleep 60 ends timed_out", async () => {
  const box = sgeBox();
  const record = await submit(box, ["sge", "--time", "3", "--", "sleep", "60"]);
  assert.match(await qstatJob(sid(record)), /^hard resource_list: +h_rt=3$/m);
  const done = await final(box, id(record), 60_000);
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
    "timed_out",
    null,
    "Killed by Grid Engine for exceeding its time limit of 3 s (h_rt).",
  ]);
});

sgeTest("CLI on Grid Engine: an array of 4 with one failing task", async () => {
  const box = sgeBox();
  const script =
    'echo "task $SGE_TASK_ID"; echo "e$SGE_TASK_ID" >&2; [ "$SGE_TASK_ID" != 2 ] || exit 5';
  const parent = await submit(box, ["sge", "--array", "1-4", "--", "sh", "-c", script]);
  const done = await final(box, id(parent));
  assert.equal(done.state, "failed");
  assert.equal(
    done.failure_reason,
    "1 of 4 array tasks did not succeed: task 2 failed (exit code 5).",
  );
  const tasks = await arrayTasks(box, id(parent));
  assert.deepEqual(tasks.map((t) => [t.array_task_id, t.scheduler_job_id, t.state, t.exit_code]), [
    ["1", `${sid(parent)}.1`, "succeeded", 0],
    ["2", `${sid(parent)}.2`, "failed", 5],
    ["3", `${sid(parent)}.3`, "succeeded", 0],
    ["4", `${sid(parent)}.4`, "succeeded", 0],
  ]);
  for (const task of tasks) {
    const out = await box.molq(["logs", id(task).slice(0, 12)]);
    assert.equal(out.stdout, `task ${task.array_task_id}\n`, out.stderr);
    const err = await box.molq(["logs", id(task).slice(0, 12), "--stream", "stderr"]);
    assert.equal(err.stdout, `e${task.array_task_id}\n`, err.stderr);
  }
});

sgeTest(
  "CLI on Grid Engine: --after-ok chains, and one that can never run is cancelled",
  async () => {
    const box = sgeBox();
    const first = await submit(box, ["sge", "--", "sleep", "3"]);
    const next = await submit(box, ["sge", "--after-ok", id(first).slice(0, 8), "--", "true"]);
    const broken = await submit(box, ["sge", "--", "sh", "-c", "exit 1"]);
    const never = await submit(box, ["sge", "--after-ok", id(broken), "--", "true"]);
    // molq holds them: Grid Engine has not seen them yet.
    assert.deepEqual([next.state, next.scheduler_job_id], ["queued", null]);
    assert.equal(next.state_detail, `waiting for ${id(first).slice(0, 8)} (afterok)`);
    assert.equal(never.scheduler_job_id, null);
    const released = await final(box, id(next));
    remember(released.scheduler_job_id);
    assert.equal(released.state, "succeeded");
    assert.match(released.scheduler_job_id as string, /^\d+$/);
    assert.ok(
      Number(released.scheduler_job_id) > Number(sid(broken)),
      "submitted after the others",
    );
    assert.equal((await status(box, id(first))).state, "succeeded");
    const cancelled = await final(box, id(never));
    assert.deepEqual([cancelled.state, cancelled.scheduler_job_id, cancelled.failure_reason], [
      "cancelled",
      null,
      `Dependency never satisfied: job ${id(broken).slice(0, 8)} (afterok) ended failed.`,
    ]);
  },
);

sgeTest(
  "CLI on Grid Engine: an error state (Eqw) shows Grid Engine's reason, and cancel ends it",
  async () => {
    const box = sgeBox();
    const dir = join(box.cwd, "gone");
    Deno.mkdirSync(dir);
    const held = await submit(box, [
      "sge",
      "--scheduler-arg=-h",
      ...["--stdout", join(dir, "out.log"), "--", "true"],
    ]);
    Deno.removeSync(dir);
    await runCommand(["qrls", sid(held)]);
    const stuck = await until(
      box,
      id(held),
      (r) => /^error state/.test(String(r.state_detail)),
      "Eqw",
    );
    // Queued, or running when a pass saw it start before the failure (states never go back).
    assert.ok(["queued", "running"].includes(stuck.state as string), String(stuck.state));
    assert.match(
      stuck.state_detail as string,
      new RegExp(
        `^error state Eqw: error: can't open output file "${dir}/out\\.log": No such file or directory; Grid Engine keeps the job until it is deleted \\(molq cancel\\)$`,
      ),
    );
    const cancel = await box.molq(["cancel", id(held)]);
    assert.equal(cancel.code, 0, cancel.stderr);
    await waitUntilGone([sid(held)], 30_000);
    assert.equal((await status(box, id(held))).state, "cancelled");
  },
);

sgeTest(
  "CLI on Grid Engine: a burst of 50 submissions is reconciled with one qstat per pass",
  async () => {
    const box = sgeBox(profile("burst", { qstat: QSTAT_COUNTING }));
    const ids: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        submit(box, [
          "--cluster",
          "burst",
          "--scheduler-arg=-h",
          "--name",
          `burst-${wave * 10 + i}`,
          "--",
          "true",
        ]));
      ids.push(...(await Promise.all(batch)).map(id));
    }
    assert.deepEqual(box.calls(), [], "submitting never queries the queue");
    const pass = await box.json<Json[]>(["refresh"]);
    assert.deepEqual(pass.map((p) => [p.cluster, p.skipped, p.changed, p.commandCalls, p.error]), [
      ["burst", false, 50, 1, null],
    ]);
    assert.equal(box.calls().length, 1);
    assert.match(box.calls()[0]!, /^qstat -xml -u [^\s,]+$/);
    const records = await stored(box);
    for (const job of ids) {
      assert.deepEqual([records.get(job)!.state, records.get(job)!.state_detail], [
        "queued",
        "held (hqw)",
      ]);
    }
    const forced = await box.json<Json[]>(["refresh", "--force"]);
    assert.deepEqual(forced.map((p) => [p.changed, p.commandCalls]), [[0, 1]]);
    assert.equal(box.calls().length, 2);
    const cancel = await box.molq(["cancel", ...ids]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const schedulerIds = ids.map((job) => records.get(job)!.scheduler_job_id as string);
    await waitUntilGone(schedulerIds, 30_000);
    assert.deepEqual(await box.json<Json[]>(["refresh"]), [], "nothing left to poll");
    assert.equal(box.calls().length, 2);
  },
);

sgeTest(
  "CLI on Grid Engine: jobs gone from qstat before molq polled them get their true state",
  async () => {
    const jobs = await forgotten;
    const box = forgetBox!;
    await waitUntilGone(Object.values(jobs).map(sid), 60_000);
    const accounted = async () => {
      // Accounting is written moments after a job leaves qstat.
      const result = await runCommand(["qacct", "-j", sid(jobs.killed!)], { allowFailure: true });
      return result.code === 0 || undefined;
    };
    await eventually(accounted, 30_000, "accounting of the killed job");
    assert.deepEqual(box.calls(), [], "nothing polled these jobs before Grid Engine forgot them");
    const pass = await box.json<Json[]>(["refresh"]);
    assert.deepEqual(pass.map((p) => [p.cluster, p.error]), [["counted", null]]);
    const records = await stored(box);
    const seen = (key: string) => {
      const r = records.get(id(jobs[key]!))!;
      return [r.state, r.exit_code, r.failure_reason];
    };
    assert.deepEqual(seen("ok"), ["succeeded", 0, null]);
    assert.deepEqual(seen("exit4"), ["failed", 4, "Exited with code 4."]);
    assert.deepEqual(seen("timeout"), [
      "timed_out",
      null,
      "Killed by Grid Engine for exceeding its time limit of 2 s (h_rt).",
    ]);
    assert.deepEqual(seen("killed"), [
      "failed",
      137,
      "Killed by SIGKILL (Grid Engine failed 100: assumedly after job): deleted by another user or an administrator, or killed at a limit.",
    ]);
    assert.deepEqual(seen("unstartable"), [
      "failed",
      null,
      "Grid Engine could not start the job (Grid Engine failed 26: opening input/output file).",
    ]);
    const tasks = [...records.values()].filter((r) => r.array_job_id === id(jobs.array!))
      .map((r) => [r.array_task_id, r.state, r.exit_code]).sort();
    assert.deepEqual(tasks, [["1", "succeeded", 0], ["2", "failed", 6]]);
    assert.deepEqual(seen("array"), [
      "failed",
      null,
      "1 of 2 array tasks did not succeed: task 2 failed (exit code 6).",
    ]);
    // The files settled three of them, one batched qacct call two others, and the one that
    // never started needed its own.
    assert.deepEqual(box.calls().map((c) => c.replace(/ -b \d{12}\.\d\d$/, " -b T")), [
      `qacct -o ${box.calls()[0]?.split(" ")[2]} -j -b T`,
      `qacct -j ${sid(jobs.unstartable!)}`,
    ]);
  },
);

sgeTest("CLI on Grid Engine: a qstat that prints garbage or hangs changes no job", async () => {
  const base = join(Deno.makeTempDirSync({ prefix: "molq-sge-fake-" }));
  const fake = (name: string, body: string) => {
    const path = join(base, name);
    Deno.writeTextFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return path;
  };
  const cut = fake(
    "qstat-cut",
    `printf '%s\\n' "<?xml version='1.0'?>" "<job_info>" "  <queue_info>"`,
  );
  const hangs = fake("qstat-hangs", "sleep 30");
  const box = sgeBox(
    profile("cut", { qstat: cut }) + profile("hangs", { qstat: hangs }) +
      '[clusters.hangs.refresh]\ncommand_timeout = "2s"\n',
  );
  try {
    const jobs = [
      await submit(box, ["--cluster", "cut", "--scheduler-arg=-h", "--", "true"]),
      await submit(box, ["--cluster", "hangs", "--scheduler-arg=-h", "--", "true"]),
    ];
    const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    for (
      const [cluster, why] of [
        ["cut", "Cannot read qstat's XML: <queue_info> is never closed\\."],
        ["hangs", "Cannot query the queue on Grid Engine: qstat did not answer within 2 s\\."],
      ]
    ) {
      const refresh = await box.molq(["refresh", "--cluster", cluster!]);
      assert.equal(refresh.code, 1, refresh.stdout);
      assert.match(refresh.stderr, new RegExp(`^molq: Refresh of ${cluster} failed: ${why}\\n$`));
    }
    assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before);
    const cancel = await box.molq(["cancel", ...jobs.map(id)]);
    assert.equal(cancel.code, 0, cancel.stderr);
    await waitUntilGone(jobs.map(sid), 30_000);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

sgeTest(
  "CLI on Grid Engine: sge_qmaster down: refresh fails naming qstat and changes nothing; back up: true states",
  async () => {
    const box = sgeBox();
    const held = await submit(box, ["sge", "--scheduler-arg=-h", "--", "true"]);
    const long = await submit(box, ["sge", "--", "sleep", "300"]);
    const ends = await submit(box, ["sge", "--", "sh", "-c", "sleep 5; exit 3"]);
    await until(box, id(ends), (r) => r.state === "running", "running", 30_000);
    await until(box, id(long), (r) => r.state === "running", "running", 30_000);
    const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    await devCluster("stop-qmaster");
    try {
      // Passes while the job that ends meanwhile writes its exit code: molq still waits for
      // Grid Engine, and no pass changes any record.
      await eventually(
        async () => {
          const refresh = await box.molq(["refresh", "--force"]);
          assert.equal(refresh.code, 1);
          assert.equal(refresh.stdout, "");
          assert.match(
            refresh.stderr,
            /^molq: Refresh of sge failed: Cannot query Grid Engine: qstat failed with exit code 1: commlib error: got select error \(Connection refused\)\.\n$/,
          );
          assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before);
          return exists(join(ends.job_dir as string, "exit_code")) || undefined;
        },
        30_000,
        "the job to end during the outage",
      );
      assert.equal(Deno.readTextFileSync(join(ends.job_dir as string, "exit_code")), "3\n");
      const again = await box.molq(["refresh", "--force"]);
      assert.equal(again.code, 1);
      assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before);
    } finally {
      await devCluster("start-qmaster");
    }
    // After the restart execd reports the job that ended (~15 s); then all is settled.
    const after = await eventually(
      async () => {
        const refresh = await box.molq(["refresh"]);
        if (refresh.code !== 0) return undefined;
        const records = await stored(box);
        return TERMINAL.includes(records.get(id(ends))!.state as string) ? records : undefined;
      },
      60_000,
      "the job that ended during the outage",
    );
    const seen = (r: Json) => {
      const record = after.get(id(r))!;
      return [record.state, record.exit_code, record.state_detail];
    };
    assert.deepEqual(seen(held), ["queued", null, "held (hqw)"]);
    assert.deepEqual(seen(long), ["running", null, null]);
    assert.deepEqual(seen(ends), ["failed", 3, null]);
    assert.ok((await listed()).has(sid(long)));
    const cancel = await box.molq(["cancel", id(long), id(held)]);
    assert.equal(cancel.code, 0, cancel.stderr);
  },
);

cleanupTest();
