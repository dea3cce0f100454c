/**
 * End to end: local job arrays through the real CLI against real processes. The process
 * table is sampled while arrays run, so the throttle is checked where it matters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, type Sandbox, sandbox } from "./_molq.ts";
import { exists } from "../src/testing/exists.ts";

type Json = Record<string, unknown>;
const FINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

async function submitArray(box: Sandbox, args: string[]): Promise<Json> {
  return await box.json<Json>(["submit", "local", ...args]);
}

function jobDir(record: Json): string {
  return (record.metadata as Record<string, string>)["molq.job_dir"]!;
}

async function finalRecord(box: Sandbox, id: string, timeoutMs = 60_000): Promise<Json> {
  return await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return FINAL.includes(record.state as string) ? record : undefined;
    },
    timeoutMs,
    `array ${id} to finish`,
  );
}

/** The array's task records after a refresh pass. */
async function tasksOf(box: Sandbox, id: string): Promise<Json[]> {
  await box.molq(["refresh", "--quiet"]);
  return (await box.json<Json>(["inspect", id])).tasks as Json[];
}

async function processTable(): Promise<{ pid: number; pgid: number; args: string }[]> {
  const output = await new Deno.Command("ps", {
    args: ["-A", "-o", "pid=,pgid=,stat=,args="],
    env: { LC_ALL: "C" },
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !m[3]!.startsWith("Z"))
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[4]! }));
}

/** Task wrappers of this array alive now: each leads its own group and runs `job.sh`. */
async function runningTasks(dir: string): Promise<number> {
  return (await processTable()).filter((p) =>
    p.pid === p.pgid && p.args.includes(join(dir, "job.sh"))
  ).length;
}

/** Processes whose command line names `marker`, or that belong to the array's directory. */
async function survivors(dir: string, marker: string): Promise<string[]> {
  return (await processTable()).filter((p) => p.args.includes(dir) || p.args.includes(marker))
    .map((p) => `${p.pid}: ${p.args}`);
}

/**
 * Samples the array's running tasks every 100 ms until `done` holds, while a refresh loop
 * keeps the store current (and restarts a killed launcher); returns the counts seen.
 */
async function sample(box: Sandbox, dir: string, done: () => boolean): Promise<number[]> {
  const counts: number[] = [];
  let stop = false;
  const refresher = (async () => {
    while (!stop) {
      await box.molq(["refresh", "--quiet"]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  const deadline = Date.now() + 60_000;
  try {
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`array in ${dir} did not finish`);
      counts.push(await runningTasks(dir));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    stop = true;
    await refresher;
  }
  return counts;
}

const allExitCodes = (dir: string, tasks: string[]) => () =>
  tasks.every((task) => exists(join(dir, `exit_code.${task}`)));

const EIGHT = ["0", "1", "2", "3", "4", "5", "6", "7"];

/** A test in its own sandbox; whatever it left running is killed, whether it passed or not. */
function arrayTest(name: string, fn: (box: Sandbox) => Promise<void>): void {
  Deno.test(name, async () => {
    const box = sandbox();
    try {
      await fn(box);
    } finally {
      for (const p of await processTable()) {
        if (!p.args.includes(box.cwd)) continue;
        try {
          Deno.kill(-p.pgid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
}

arrayTest(
  "an array of 8 with %2 runs each task once, never more than 2 at a time, each with its index and logs",
  async (box) => {
    const command = 'echo "task $MOLQ_ARRAY_TASK_ID of $MOLQ_ARRAY_TASK_COUNT' +
      ' ($MOLQ_ARRAY_TASK_MIN-$MOLQ_ARRAY_TASK_MAX)"; echo "err $MOLQ_ARRAY_TASK_ID" >&2; sleep 1';
    const array = await submitArray(box, [
      "--array",
      "0-7%2",
      "--name",
      "sweep",
      "--command",
      command,
    ]);
    const dir = jobDir(array);
    const counts = await sample(box, dir, allExitCodes(dir, EIGHT));
    assert.ok(counts.every((n) => n <= 2), `at most 2 at once: ${counts.join(" ")}`);
    assert.ok(counts.includes(2), `2 at once at some point: ${counts.join(" ")}`);
    const final = await finalRecord(box, array.job_id as string);
    assert.deepEqual([final.state, final.exit_code], ["succeeded", 0]);
    const tasks = await tasksOf(box, array.job_id as string);
    assert.deepEqual(
      tasks.map((t) => [t.array_task_id, t.state, t.exit_code]),
      EIGHT.map((t) => [t, "succeeded", 0]),
    );
    for (const task of EIGHT) {
      const out = await box.molq(["logs", array.job_id as string, "--task", task]);
      assert.equal(out.stdout, `task ${task} of 8 (0-7)\n`, "one run, its own stdout");
      const err = await box.molq([
        "logs",
        array.job_id as string,
        "--task",
        task,
        "--stream",
        "stderr",
      ]);
      assert.equal(err.stdout, `err ${task}\n`);
      assert.ok(exists(join(dir, `stdout.${task}.log`)));
    }
    const parent = await box.molq(["logs", array.job_id as string]);
    assert.equal(parent.code, 2);
    assert.match(parent.stderr, /is an array; its tasks have their own logs/);
    assert.match(parent.stderr, /hint: molq logs \S+ --task 0/);
  },
);

arrayTest(
  "arrays take the SPEC grammar, and without %N run as many tasks at once as there are CPUs",
  async (box) => {
    const cpus = Number(
      new TextDecoder().decode(
        (await new Deno.Command("getconf", { args: ["_NPROCESSORS_ONLN"] }).output()).stdout,
      ),
    );
    const ids = ["0", "1", "2", "3", "4", "5"].slice(0, cpus + 2);
    const wide = await submitArray(box, ["--array", `0-${ids.length - 1}`, "--", "sleep", "1"]);
    const stepped = await submitArray(box, [
      "--array",
      "0-10:5",
      "--command",
      "echo $MOLQ_ARRAY_TASK_MIN-$MOLQ_ARRAY_TASK_MAX",
    ]);
    const listed = await submitArray(box, ["--array", "1,3,5", "--", "true"]);
    const counts = await sample(box, jobDir(wide), allExitCodes(jobDir(wide), ids));
    assert.ok(counts.every((n) => n <= cpus), `at most ${cpus} at once: ${counts.join(" ")}`);
    assert.ok(counts.includes(cpus), `${cpus} at once at some point: ${counts.join(" ")}`);
    // A throttle above the CPU count is the user's call, and honoured as given.
    const over = cpus + 1;
    const throttled = await submitArray(box, [
      "--array",
      `0-${over + 1}%${over}`,
      "--",
      "sleep",
      "1",
    ]);
    const all = Array.from({ length: over + 2 }, (_, i) => String(i));
    const seen = await sample(box, jobDir(throttled), allExitCodes(jobDir(throttled), all));
    assert.ok(seen.every((n) => n <= over), `at most ${over} at once: ${seen.join(" ")}`);
    assert.ok(seen.includes(over), `${over} at once at some point: ${seen.join(" ")}`);
    for (
      const [record, expected] of [[wide, ids], [stepped, ["0", "5", "10"]], [listed, [
        "1",
        "3",
        "5",
      ]]] as const
    ) {
      const final = await finalRecord(box, record.job_id as string);
      assert.equal(final.state, "succeeded");
      const tasks = await tasksOf(box, record.job_id as string);
      assert.deepEqual(tasks.map((t) => t.array_task_id), expected);
    }
    const out = await box.molq(["logs", stepped.job_id as string, "--task", "5"]);
    assert.equal(out.stdout, "0-10\n");
    const bad = await box.molq(["submit", "local", "--array", "5-1", "--", "true"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^molq: Invalid array "5-1": expected indexes and ranges/);
  },
);

arrayTest(
  "one failing task fails the array naming it; a task over its time limit is timed_out",
  async (box) => {
    const command = "case $MOLQ_ARRAY_TASK_ID in 1) exit 3 ;; 2) sleep 30 ;; esac";
    const array = await submitArray(box, ["--array", "0-3", "--time", "2s", "--command", command]);
    const final = await finalRecord(box, array.job_id as string);
    assert.deepEqual([final.state, final.exit_code, final.failure_reason], [
      "failed",
      null,
      "2 of 4 array tasks did not succeed: task 1 failed (exit code 3), task 2 timed_out.",
    ]);
    const tasks = await tasksOf(box, array.job_id as string);
    assert.deepEqual(tasks.map((t) => [t.array_task_id, t.state]), [
      ["0", "succeeded"],
      ["1", "failed"],
      ["2", "timed_out"],
      ["3", "succeeded"],
    ]);
  },
);

arrayTest("cancel of a running array ends every task and starts no more", async (box) => {
  const seconds = 100_000 + Math.floor(Math.random() * 100_000);
  const array = await submitArray(box, ["--array", "0-5%2", "--", "sleep", String(seconds)]);
  const dir = jobDir(array);
  const id = array.job_id as string;
  await eventually(async () => (await runningTasks(dir)) === 2 || undefined, 15_000, "two tasks");
  await eventually(
    async () => (await tasksOf(box, id)).length === 6 || undefined,
    15_000,
    "task records",
  );
  const cancel = await box.molq(["cancel", id]);
  assert.equal(cancel.code, 0, cancel.stderr);
  await eventually(
    async () => (await survivors(dir, `sleep ${seconds}`)).length === 0 || undefined,
    15_000,
    "no survivors",
  );
  // Give a launcher that escaped the cancel time to start a task: none may start.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await box.molq(["refresh", "--force"]);
  assert.deepEqual(await survivors(dir, `sleep ${seconds}`), []);
  const claimed = [...Deno.readDirSync(dir)].filter((e) => /^scheduler_id\.\d+$/.test(e.name));
  assert.equal(claimed.length, 2, "only the two tasks that ran before the cancel ever started");
  const final = await box.json<Json>(["status", id]);
  assert.equal(final.state, "cancelled");
  const tasks = await tasksOf(box, id);
  assert.deepEqual(tasks.map((t) => t.state), Array(6).fill("cancelled"));
});

arrayTest("cancel of one task ends only it; the others run to the end", async (box) => {
  const seconds = 100_000 + Math.floor(Math.random() * 100_000);
  const command = `if [ "$MOLQ_ARRAY_TASK_ID" = 1 ]; then sleep ${seconds}; else sleep 2; fi`;
  const array = await submitArray(box, ["--array", "0-3%2", "--command", command]);
  const dir = jobDir(array);
  const id = array.job_id as string;
  const task1 = await eventually(
    async () => {
      const task = (await tasksOf(box, id)).find((t) => t.array_task_id === "1");
      return task?.state === "running" ? task : undefined;
    },
    15_000,
    "task 1 to run",
  );
  const cancel = await box.molq(["cancel", task1.job_id as string]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.ok(!exists(join(dir, "cancelled")), "the array itself is not cancelled");
  const counts = await sample(box, dir, allExitCodes(dir, ["0", "2", "3"]));
  assert.ok(counts.every((n) => n <= 2), counts.join(" "));
  const final = await finalRecord(box, id);
  assert.deepEqual([final.state, final.failure_reason], [
    "cancelled",
    "1 of 4 array tasks did not succeed: task 1 cancelled.",
  ]);
  const tasks = await tasksOf(box, id);
  assert.deepEqual(tasks.map((t) => [t.array_task_id, t.state]), [
    ["0", "succeeded"],
    ["1", "cancelled"],
    ["2", "succeeded"],
    ["3", "succeeded"],
  ]);
  assert.deepEqual(await survivors(dir, `sleep ${seconds}`), []);
});

arrayTest(
  "kill -9 of the launcher mid-array: running tasks finish, the rest start once, none twice",
  async (box) => {
    const ledger = join(box.cwd, "ran.txt");
    const command = `echo "$MOLQ_ARRAY_TASK_ID" >> '${ledger}'; sleep 1.5`;
    const array = await submitArray(box, ["--array", "0-7%2", "--command", command]);
    const dir = jobDir(array);
    const launcher = Number(array.scheduler_job_id);
    await eventually(async () => (await runningTasks(dir)) === 2 || undefined, 15_000, "two tasks");
    Deno.kill(launcher, "SIGKILL");
    const counts = await sample(box, dir, allExitCodes(dir, EIGHT));
    assert.ok(counts.every((n) => n <= 2), `at most 2 at once: ${counts.join(" ")}`);
    const final = await finalRecord(box, array.job_id as string);
    assert.equal(final.state, "succeeded");
    const ran = Deno.readTextFileSync(ledger).trim().split("\n").sort();
    assert.deepEqual(ran, EIGHT, "every task ran exactly once");
    assert.equal(Deno.readTextFileSync(join(dir, "launcher_restarts")).trim(), "1");
    assert.notEqual(Deno.readTextFileSync(join(dir, "scheduler_id")).trim(), String(launcher));
  },
);

arrayTest(
  "an array in a job directory and with log paths full of shell syntax runs as given",
  async (box) => {
    const jobsDir = join(box.cwd, `we ird'dir $x`);
    Deno.mkdirSync(jobsDir);
    const stdout = join(box.cwd, `o'ut $y.log`);
    const array = await submitArray(box, [
      "--jobs-dir",
      jobsDir,
      "--stdout",
      stdout,
      "--array",
      "0-2",
      "--command",
      'echo "t=$MOLQ_ARRAY_TASK_ID"',
    ]);
    const final = await finalRecord(box, array.job_id as string);
    assert.equal(final.state, "succeeded");
    for (const task of ["0", "1", "2"]) {
      assert.equal(Deno.readTextFileSync(join(box.cwd, `o'ut $y.${task}.log`)), `t=${task}\n`);
      const logs = await box.molq(["logs", array.job_id as string, "--task", task]);
      assert.equal(logs.stdout, `t=${task}\n`);
    }
  },
);
