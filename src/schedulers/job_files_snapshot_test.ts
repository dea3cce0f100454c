import assert from "node:assert/strict";
import { join } from "node:path";
import {
  gatherJobFiles,
  type JobFilesSnapshot,
  parseSnapshotOutput,
  SNAPSHOT_SCRIPT,
} from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";
import type { Runner } from "../process/runner.ts";

const OUTPUT = [
  "molq-host login1",
  "molq-boot 8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  "molq-ps",
  "    1     1 Ss   /sbin/init",
  "  812   812 S    /bin/sh /home/u/.molq/jobs/a/job.sh",
  "  813   812 Z    [sleep] <defunct>",
  "molq-files",
  "0\tstarted_at\t1796167929729",
  "0\thost\tlogin1 8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  "1\tstarted_at\t1796160000",
  "1\tfinished_at\t1796160005123",
  "1\texit_code\t3",
  "1\tcancelled\t1796160004000",
  "1\texit_code.2\t0",
  "1\tstarted_at.10\t1796160001",
  "molq-end",
  "",
].join("\n");

Deno.test("parseSnapshotOutput() reads the host, its boot id, the process table and the files", () => {
  const snapshot = parseSnapshotOutput(OUTPUT, ["/jobs/a", "/jobs/b"]);
  assert.deepEqual(snapshot.host, {
    hostname: "login1",
    bootId: "8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  });
  assert.equal(snapshot.processes!.runsIn(812, "/home/u/.molq/jobs/a"), true);
  assert.equal(snapshot.processes!.runsIn(812, "/home/u/.molq/jobs/b"), false);
  assert.equal(snapshot.processes!.runsIn(813, "/home/u/.molq/jobs/a"), false, "zombies ended");
  assert.deepEqual(snapshot.evidence("/jobs/a"), {
    startedAt: 1796167929729,
    timedOut: false,
    cancelled: false,
    host: { hostname: "login1", bootId: "8ac83e24-7a4a-4a0c-9310-931f1ee50531" },
  });
  assert.deepEqual(snapshot.evidence("/jobs/b"), {
    startedAt: 1796160000000,
    exitCode: 3,
    finishedAt: 1796160005123,
    timedOut: false,
    cancelled: true,
  });
  assert.equal(snapshot.evidence("/jobs/b", "2").exitCode, 0);
  assert.deepEqual(snapshot.taskIds("/jobs/b"), ["2", "10"]);
  assert.deepEqual(snapshot.evidence("/jobs/unknown"), { timedOut: false, cancelled: false });
});

Deno.test("parseSnapshotOutput() refuses an answer cut short, so it never reads as 'no evidence'", () => {
  const truncated = OUTPUT.slice(0, OUTPUT.indexOf("molq-end"));
  assert.throws(() => parseSnapshotOutput(truncated, ["/jobs/a"]), /cut short/);
  assert.throws(() => parseSnapshotOutput("", []), /cut short/);
  assert.throws(() => parseSnapshotOutput("garbage\nmolq-end\n", []), /did not say its name/);
});

Deno.test("parseSnapshotOutput() reports a failed ps instead of an empty process table", () => {
  const failed = "molq-host h\nmolq-boot \nmolq-ps\nmolq-ps-failed 1\nmolq-files\nmolq-end\n";
  assert.throws(() => parseSnapshotOutput(failed, []), /ps failed/);
  const noPs = parseSnapshotOutput("molq-host h\nmolq-boot \nmolq-files\nmolq-end\n", []);
  assert.equal(noPs.processes, null);
  assert.equal(noPs.host.bootId, null);
});

Deno.test("gatherJobFiles() reads real job directories in one step, skipping everything else", async () => {
  const base = await Deno.makeTempDir({ prefix: "molq-snapshot-" });
  const a = join(base, "a b"); // a space in the path
  const missing = join(base, "gone");
  await Deno.mkdir(a);
  await Deno.writeTextFile(join(a, "exit_code"), "0\n");
  await Deno.writeTextFile(join(a, "finished_at"), "1796167929732");
  await Deno.writeTextFile(join(a, "stdout.log"), "not evidence\n");
  await Deno.writeTextFile(join(a, "exit_code.tmp"), "not evidence either\n");
  const snapshot = await gatherJobFiles(localRunner, [a, missing], { processes: true });
  assert.equal(snapshot.host.hostname, Deno.hostname());
  assert.match(snapshot.host.bootId ?? "", /^[0-9a-f-]{36}$/);
  assert.deepEqual(snapshot.evidence(a), {
    exitCode: 0,
    finishedAt: 1796167929732,
    timedOut: false,
    cancelled: false,
  });
  assert.equal(snapshot.text(a, "stdout.log"), undefined);
  assert.equal(snapshot.text(a, "exit_code.tmp"), undefined);
  assert.deepEqual(snapshot.evidence(missing), { timedOut: false, cancelled: false });
  await Deno.remove(base, { recursive: true });
});

/** The local runner, saying how each command was sent: its argument count, and stdin or not. */
function loggingRunner(argumentBytes: number | undefined) {
  const sent: { args: number; stdin: boolean }[] = [];
  const runner: Runner = {
    ...localRunner,
    where: localRunner.where,
    remote: false,
    argumentBytes,
    run(argv, options) {
      sent.push({ args: argv.length, stdin: options?.stdin !== undefined });
      return localRunner.run(argv, options);
    },
  };
  return { runner, sent };
}

/** `count` job directories with long names under a new directory, each with an exit code. */
async function exitedDirs(count: number): Promise<{ base: string; dirs: string[] }> {
  const base = await Deno.makeTempDir({ prefix: "molq-snapshot-" });
  const dirs = Array.from({ length: count }, (_, i) => join(base, `${"d".repeat(60)}-${i}`));
  for (const [i, dir] of dirs.entries()) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "exit_code"), `${i % 7}\n`);
  }
  return { base, dirs };
}

Deno.test("gatherJobFiles() sends requests as arguments up to what the runner takes, more on stdin, and reads the same", async () => {
  const { base, dirs } = await exitedDirs(600);
  const small = loggingRunner(undefined); // a runner that says nothing: a few KiB
  const local = loggingRunner(localRunner.argumentBytes);
  try {
    const few = await gatherJobFiles(small.runner, dirs.slice(0, 3), { processes: true });
    const many = await gatherJobFiles(small.runner, dirs, { processes: true });
    const none = await gatherJobFiles(small.runner, [], { processes: true });
    assert.deepEqual(small.sent, [
      { args: 6, stdin: false },
      { args: 5, stdin: true },
      { args: 6, stdin: false },
    ]);
    // The same 600 requests (about 60 KiB) as the local runner sends them: in pieces.
    const inline = await gatherJobFiles(local.runner, dirs, { processes: true });
    assert.equal(local.sent.length, 1);
    assert.equal(local.sent[0]!.stdin, false);
    assert.ok(local.sent[0]!.args >= 7, `${local.sent[0]!.args} arguments`);
    for (const [i, dir] of dirs.entries()) {
      assert.equal(many.evidence(dir).exitCode, i % 7);
      assert.deepEqual(inline.evidence(dir), many.evidence(dir));
      if (i < 3) assert.deepEqual(few.evidence(dir), many.evidence(dir));
    }
    assert.equal(none.files.size, 0);
    assert.equal(none.host.hostname, Deno.hostname());
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("gatherJobFiles() sends its requests on stdin when the host refuses that many arguments", async () => {
  const { base, dirs } = await exitedDirs(20);
  // 3 MiB of requests: more than Linux takes with an 8 MiB stack (2 MiB, environment included).
  const padding = Array.from({ length: 30_000 }, (_, i) => join(base, `${"p".repeat(90)}-${i}`));
  const { runner, sent } = loggingRunner(64 * 1024 * 1024);
  try {
    const snapshot = await gatherJobFiles(runner, [...dirs, ...padding], { processes: true });
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], { args: 5, stdin: true });
    assert.ok(sent[0]!.args > 30, `${sent[0]!.args} arguments`);
    for (const [i, dir] of dirs.entries()) assert.equal(snapshot.evidence(dir).exitCode, i % 7);
    assert.equal(snapshot.evidence(padding[0]!).exitCode, undefined);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

/** Runs the step's script as gatherJobFiles does and returns its raw output. */
async function rawStep(lines: string[]): Promise<string> {
  const argv = ["/bin/sh", "-c", SNAPSHOT_SCRIPT, "molq-snapshot", "processes"];
  return (await localRunner.run(argv, { stdin: lines.map((l) => l + "\n").join("") })).stdout;
}

/** A process started in `dir` in a session of its own, as molq starts a wrapper. */
function startIn(dir: string, script: string): number {
  const child = new Deno.Command("setsid", {
    args: ["/bin/sh", "-c", script],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return child.pid;
}

Deno.test("the evidence step probes wrappers in their job directories, reading no files of a live one", async () => {
  const base = await Deno.makeTempDir({ prefix: "molq-probe-" });
  const [a, b, c] = ["a", "b", "c"].map((name) => join(base, name)) as [string, string, string];
  for (const dir of [a, b, c]) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "started_at"), "1796167929729\n");
  }
  const live = startIn(a, "exec sleep 60");
  // In c, a wrapper that left a finished task (a zombie: its parent never reaps it).
  const parent = startIn(c, "sleep 0 & echo $! >scheduler_id.1; exec sleep 60");
  try {
    const zombie = await waitForNumber(join(c, "scheduler_id.1"));
    await waitForZombie(zombie);
    // 1. The live wrapper, asked "files unless running": verified, its files not read.
    const quick = await rawStep([`p ${live} ${a}`, `p 999999 ${b}`]);
    assert.doesNotMatch(quick, /molq-ps\n/, "nothing needed the whole process table");
    const snapshot = await gatherJobFiles(localRunner, [
      { dir: a, pid: live, filesUnlessRunning: true },
      { dir: b, pid: 999999, filesUnlessRunning: true }, // no such process: files read
    ], { processes: true });
    assert.equal(snapshot.processes!.runsIn(live, a), true);
    assert.equal(snapshot.processes!.groupAlive(live), true);
    assert.equal(snapshot.files.get(a), undefined, "a live wrapper's files are not read");
    assert.equal(snapshot.text(b, "started_at"), "1796167929729");
    assert.equal(snapshot.processes!.runsIn(999999, b), false);
    assert.equal(snapshot.processes!.groupAlive(999999), false);
    // 2. A pid that exists but runs elsewhere (a reused pid), and a zombie task: the whole
    // table settles them, taken before their files are read again.
    const unsure = await rawStep([`f ${live} ${b}`, `f ${parent} ${c}`]);
    assert.match(unsure, /molq-ps\n[^]*molq-files\n0\t:reread\t/);
    const settled = await gatherJobFiles(localRunner, [
      { dir: b, pid: live, filesUnlessRunning: false },
      { dir: c, pid: parent, filesUnlessRunning: false },
    ], { processes: true });
    assert.equal(settled.processes!.runsIn(live, b), false, "runs in another directory");
    assert.equal(settled.processes!.runsIn(parent, c), true);
    assert.equal(settled.processes!.runsIn(zombie, c), false, "a zombie has ended");
    assert.equal(settled.text(b, "started_at"), "1796167929729");
    assert.equal(settled.text(c, "scheduler_id.1"), String(zombie));
  } finally {
    for (const pid of [live, parent]) Deno.kill(-pid, "SIGKILL");
    await Deno.remove(base, { recursive: true });
  }
});

async function waitForNumber(path: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (/^\d+\n$/.test(text)) return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} was never written`);
}

async function waitForZombie(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { stdout } = await localRunner.run(["ps", "-o", "stat=", "-p", String(pid)], {
      allowFailure: true,
    });
    if (stdout.trim().startsWith("Z")) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${pid} never became a zombie`);
}

Deno.test("the evidence step reads many requests in two halves at once, and sees what one at a time sees", async () => {
  const base = await Deno.makeTempDir({ prefix: "molq-halves-" });
  const count = 700;
  const dirs = Array.from({ length: count }, (_, i) => join(base, `job-${i}`));
  for (const [i, dir] of dirs.entries()) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "started_at"), `${1796167929729 + i}\n`);
    if (i % 3 === 0) await Deno.writeTextFile(join(dir, "exit_code"), `${i % 5}\n`);
  }
  // Live wrappers in each half, and in each half a live pid that runs elsewhere (unsure).
  const liveAt = [5, 200, 400, 690];
  const live = new Map(liveAt.map((i) => [i, startIn(dirs[i]!, "exec sleep 60")]));
  const elsewhereAt = new Map([[17, live.get(5)!], [600, live.get(690)!]]);
  const requests = dirs.map((dir, i) => ({
    dir,
    pid: live.get(i) ?? elsewhereAt.get(i) ?? 999_990 - i,
    filesUnlessRunning: true,
  }));
  try {
    const whole = await gatherJobFiles(localRunner, requests, { processes: true });
    // The same requests a few at a time take the one-loop path.
    const parts: JobFilesSnapshot[] = [];
    for (let i = 0; i < count; i += 250) {
      parts.push(
        await gatherJobFiles(localRunner, requests.slice(i, i + 250), { processes: true }),
      );
    }
    for (const [i, { dir, pid }] of requests.entries()) {
      const part = parts[Math.floor(i / 250)]!;
      assert.deepEqual(whole.files.get(dir), part.files.get(dir), `job ${i}'s files`);
      assert.equal(whole.processes!.runsIn(pid, dir), live.has(i), `job ${i}'s pid`);
      assert.equal(part.processes!.runsIn(pid, dir), live.has(i));
      if (live.has(i)) assert.equal(whole.files.get(dir), undefined, "a live wrapper is not read");
      else assert.equal(whole.evidence(dir).startedAt, 1796167929729 + i);
    }
    // Both unsure pids (one per half) were settled by the whole table.
    const raw = await rawStep(requests.map(({ dir, pid }) => `p ${pid} ${dir}`));
    assert.match(raw, /molq-ps\n[^]*molq-files\n(17\t:reread\t\n[^]*600\t:reread|600\t:reread)/);
    assert.match(raw, /\n17\t:reread\t\n/);
    assert.equal(raw.match(/^molq-ps$/gm)?.length, 1, "one table for both halves");
    // (The table itself holds the step's script, so its lines are looked at one by one.)
    assert.doesNotMatch(raw, /^molq-half-end/m, "the halves' own end line is not passed on");
  } finally {
    for (const pid of live.values()) Deno.kill(-pid, "SIGKILL");
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("the evidence step stops short of its end line when one half's answer never arrives", async () => {
  const base = await Deno.makeTempDir({ prefix: "molq-halves-" });
  // A `cat` that reads the step's stdin, then fails where the halves are joined.
  const bin = join(base, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "cat"),
    `#!/bin/sh\n[ ! -e "${base}/once" ] || exit 1\n: >"${base}/once"\nexec /bin/cat "$@"\n`,
    { mode: 0o755 },
  );
  const dirs = Array.from({ length: 600 }, (_, i) => join(base, `job-${i}`));
  for (const dir of dirs) await Deno.mkdir(dir);
  try {
    const argv = ["/bin/sh", "-c", SNAPSHOT_SCRIPT, "molq-snapshot", "processes"];
    const { stdout } = await localRunner.run(argv, {
      stdin: dirs.map((dir) => `f - ${dir}\n`).join(""),
      env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
      allowFailure: true,
    });
    assert.throws(() => parseSnapshotOutput(stdout, dirs), /cut short/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
