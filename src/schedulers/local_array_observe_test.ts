import assert from "node:assert/strict";
import { MAX_LAUNCHER_RESTARTS, observeLocalArray, taskLogPath } from "./local_array_observe.ts";
import { parseSnapshotOutput } from "./job_files_snapshot.ts";
import type { TrackedJob } from "./scheduler.ts";

const BOOT = "11111111-1111-1111-1111-111111111111";
const DIR = "/jobs/a";

function array(extra: Partial<TrackedJob> = {}): TrackedJob {
  return {
    jobId: "arr",
    schedulerJobId: "500",
    jobDir: DIR,
    state: "running",
    submittedAt: 1,
    timeLimitSeconds: 30,
    arrayTaskId: null,
    array: "0-3%2",
    host: { hostname: "login1", bootId: BOOT },
    ...extra,
  };
}

function task(id: string): TrackedJob {
  return { ...array(), jobId: `t${id}`, schedulerJobId: `500_${id}`, arrayTaskId: id, array: null };
}

/** A snapshot on `host` with these processes (`pid pgid args`) and files (`name\tvalue`). */
function snapshot(processes: string[], files: string[], host = "login1", boot = BOOT) {
  return parseSnapshotOutput(
    [
      `molq-host ${host}`,
      `molq-boot ${boot}`,
      "molq-ps",
      ...processes.map((line) => {
        const [pid, pgid, ...args] = line.split(" ");
        return `${pid} ${pgid} S ${args.join(" ")}`;
      }),
      "molq-files",
      ...files.map((line) => `0\t${line}`),
      "molq-end",
    ].join("\n"),
    [DIR],
  );
}

const LAUNCHER = `500 500 /bin/sh ${DIR}/array.sh`;
const INFO = `local_array.json\t{"stdoutPath":"${DIR}/stdout.log","stderrPath":"/logs/err"}`;

function view(tasks: TrackedJob[], processes: string[], files: string[], host?: string) {
  const result = observeLocalArray(
    array(),
    ["0", "1", "2", "3"],
    tasks,
    snapshot(processes, files, host),
    1_000,
  );
  assert.notEqual(result, "elsewhere");
  return result as Exclude<typeof result, "elsewhere">;
}

Deno.test("observeLocalArray() reports every task: finished, running, waiting", () => {
  const result = view([], [LAUNCHER, `601 601 /bin/sh ${DIR}/job.sh`], [
    INFO,
    "scheduler_id.0\t600",
    "started_at.0\t100",
    "exit_code.0\t0",
    "finished_at.0\t200",
    "scheduler_id.1\t601",
    "started_at.1\t150",
  ]);
  const states = result.newTasks.map((t) => [t.taskId, t.observation.state, t.schedulerJobId]);
  assert.deepEqual(states, [
    ["0", "succeeded", "500_0"],
    ["1", "running", "500_1"],
    ["2", "queued", "500_2"],
    ["3", "queued", "500_3"],
  ]);
  assert.deepEqual(result.newTasks[0]!.observation, {
    state: "succeeded",
    exitCode: 0,
    startedAt: 100_000,
    finishedAt: 200_000,
    failureReason: null,
  });
  assert.equal(result.newTasks[2]!.observation.detail, "waiting for a slot");
  assert.equal(result.newTasks[1]!.stdoutPath, `${DIR}/stdout.1.log`);
  assert.equal(result.newTasks[1]!.stderrPath, "/logs/err.1");
  assert.equal(result.restart, false);
  assert.equal(result.observations.get("arr")?.state, "running");
});

Deno.test("observeLocalArray() judges tracked tasks by their records' ids", () => {
  const result = view([task("2")], [LAUNCHER], ["scheduler_id.2\t602", "exit_code.2\t4"]);
  assert.deepEqual(result.newTasks.map((t) => t.taskId), ["0", "1", "3"]);
  const observed = result.observations.get("t2")!;
  assert.deepEqual([observed.state, observed.exitCode, observed.failureReason], [
    "failed",
    4,
    "Exited with code 4.",
  ]);
});

Deno.test("observeLocalArray() restarts a killed launcher while tasks wait, then gives up", () => {
  const files = ["scheduler_id.0\t600", "exit_code.0\t0", "scheduler_id.1\t601"];
  const running = `601 601 /bin/sh ${DIR}/job.sh`;
  const restarted = view([], [running], files);
  assert.equal(restarted.restart, true);
  assert.deepEqual(restarted.newTasks.map((t) => t.observation.state), [
    "succeeded",
    "running",
    "queued",
    "queued",
  ]);
  assert.match(restarted.newTasks[2]!.observation.detail!, /launcher was restarted/);
  const exhausted = view([], [running], [...files, `launcher_restarts\t${MAX_LAUNCHER_RESTARTS}`]);
  assert.equal(exhausted.restart, false);
  const waiting = exhausted.newTasks[2]!.observation;
  assert.equal(waiting.state, "failed");
  assert.match(
    waiting.failureReason!,
    /^Task 2 never started: .*restarted 3 times \(see launcher.log\)\.$/,
  );
});

Deno.test("observeLocalArray() never restarts a cancelled array, and its waiting tasks end cancelled", () => {
  const result = view([], [], ["cancelled\t1", "scheduler_id.0\t600", "exit_code.0\t143"]);
  assert.equal(result.restart, false);
  assert.deepEqual(result.newTasks.map((t) => [t.observation.state, t.observation.failureReason]), [
    ["cancelled", "Cancelled."],
    ["cancelled", "Cancelled before it started."],
    ["cancelled", "Cancelled before it started."],
    ["cancelled", "Cancelled before it started."],
  ]);
});

Deno.test("observeLocalArray() cancels one task by its own marker, leaving the rest alone", () => {
  const result = view([], [LAUNCHER], ["cancelled.1\t1", "scheduler_id.1\t601"]);
  assert.deepEqual(result.newTasks.map((t) => t.observation.state), [
    "queued",
    "cancelled",
    "queued",
    "queued",
  ]);
});

Deno.test("observeLocalArray() tells a killed task wrapper, a time-out and leftover processes apart", () => {
  const result = view([{ ...task("0"), state: "running" }], [LAUNCHER, "9999 602 sleep 100"], [
    "scheduler_id.0\t600",
    "started_at.0\t100",
    "scheduler_id.1\t601",
    "timed_out.1\t",
    "scheduler_id.2\t602",
  ]);
  const killed = result.observations.get("t0");
  const [timedOut, leftover] = result.newTasks.map((t) => t.observation);
  assert.equal(killed!.state, "failed");
  assert.match(killed!.failureReason!, /^Task 0's wrapper \(pid 600\) ended without recording/);
  assert.deepEqual([timedOut!.state, timedOut!.failureReason], [
    "timed_out",
    "Killed after exceeding its 30 s time limit.",
  ]);
  assert.deepEqual([leftover!.state, leftover!.detail], [
    "running",
    "wrapper gone; task processes still running",
  ]);
});

Deno.test("observeLocalArray() leaves another host's array alone and fails tasks after a reboot", () => {
  assert.equal(
    observeLocalArray(array(), ["0"], [], snapshot([], ["exit_code.0\t0"], "login2"), 1),
    "elsewhere",
  );
  const after = observeLocalArray(
    array(),
    ["0", "1"],
    [],
    snapshot([], ["scheduler_id.0\t600"], "login1", "22222222-2222-2222-2222-222222222222"),
    1,
  );
  assert.notEqual(after, "elsewhere");
  const [ran, waited] = (after as Exclude<typeof after, "elsewhere">).newTasks;
  assert.match(ran!.observation.failureReason!, /restarted while task 0 ran/);
  assert.match(waited!.observation.failureReason!, /restarted before task 1 started/);
  assert.equal((after as Exclude<typeof after, "elsewhere">).restart, false);
});

Deno.test("observeLocalArray() takes a claimed task not yet in the process table to be starting", () => {
  // The table is read before the files: the task may have claimed itself in between.
  const files = ["scheduler_id.0\t600", "started_at.0\t100"];
  const fresh = view([], [LAUNCHER], files).newTasks[0]!.observation;
  assert.deepEqual([fresh.state, fresh.detail], ["running", "starting"]);
  const queued = view([{ ...task("0"), state: "queued" }], [LAUNCHER], files);
  assert.equal(queued.observations.get("t0")!.state, "running");
  const seen = view([{ ...task("0"), state: "running" }], [LAUNCHER], files);
  assert.equal(seen.observations.get("t0")!.state, "failed", "gone since a pass saw it run");
});

Deno.test("taskLogPath() puts the index before the extension", () => {
  assert.equal(taskLogPath("/j/stdout.log", "7"), "/j/stdout.7.log");
  assert.equal(taskLogPath("/j/out", "7"), "/j/out.7");
});
