/**
 * End to end: the real `molq` CLI against the Torque simulator (tests/simulators/torque):
 * the flavour detected from `qstat --version`, success with logs, failure, cancel,
 * walltime, an array, dependencies, a broken qstat that changes nothing, and
 * keep_completed purging finished jobs (the exit-code file as the only evidence).
 * The backend class itself is tested in tests/pbs_backend_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually } from "./_molq.ts";
import {
  exists,
  id,
  jobDir,
  type Json,
  simBox,
  tasksOf,
  TERMINAL,
  withBox,
} from "./_sim_cluster.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const KEEP = { PBS_SIM_KILL_DELAY: "1", TORQUE_SIM_KEEP_COMPLETED: "60" };

Deno.test({
  ...options,
  name: "CLI on Torque: flavour detected; success with logs, exit 3, cancel, walltime",
  fn: () =>
    withBox(simBox("torque", { settings: KEEP }), async (box) => {
      const [ok, bad, long, slow] = await Promise.all([
        box.submit(["--cpus", "2", "--", "sh", "-c", "echo out; echo err >&2"]),
        box.submit(["--", "sh", "-c", "echo bye; exit 3"]),
        box.submit(["--", "sleep", "60"]),
        box.submit(["--time", "2s", "--", "sleep", "60"]),
      ]);
      assert.match(ok!.scheduler_job_id as string, /^\d+\.host$/);
      // No flavour in the profile: molq asked qstat which PBS this is, then used the
      // Torque form (`-f -1`; `-x` would mean XML on Torque).
      assert.ok(box.calls().includes("qstat --version"), box.calls().join("\n"));
      await box.until((r) => r.get(id(long!))?.state === "running", "the long job to run");
      const query = box.statusCalls()[0]!;
      assert.match(query, /^qstat -f -1 -t /);
      assert.doesNotMatch(query, / -x | -F /);
      const cancel = await box.molq(["cancel", id(long!)]);
      assert.equal(cancel.code, 0, cancel.stderr);
      const killed = await eventually(
        async () => {
          const { stdout } = await box.simulator("qstat", [
            "-f",
            "-1",
            long!.scheduler_job_id as string,
          ]);
          return /job_state = C/.test(stdout) ? stdout : undefined;
        },
        30_000,
        "Torque to end the cancelled job",
      );
      assert.match(killed, /exit_status = 271$/m);

      const records = await box.settle([ok, bad, slow].map((r) => id(r!)));
      const seen = (r: Json | undefined) => {
        const record = records.get(id(r!))!;
        return [record.state, record.exit_code, record.failure_reason];
      };
      assert.deepEqual(seen(ok), ["succeeded", 0, null]);
      assert.deepEqual(seen(bad), ["failed", 3, "Exited with code 3."]);
      assert.deepEqual(seen(slow), [
        "timed_out",
        null,
        "Killed by PBS after exceeding its walltime limit of 2 s.",
      ]);
      assert.deepEqual(seen(long), ["cancelled", null, "Cancelled by the user."]);
      assert.equal((await box.molq(["logs", id(ok!)])).stdout, "out\n");
      assert.equal(
        (await box.molq(["logs", id(ok!), "--stream", "stderr"])).stdout,
        "err\n",
      );
      assert.equal((await box.molq(["logs", id(bad!)])).stdout, "bye\n");
    }),
});

Deno.test({
  ...options,
  name: "CLI on Torque: an array of 4 with one failing task, and an --after-ok chain",
  fn: () =>
    withBox(simBox("torque", { flavour: "torque", settings: KEEP }), async (box) => {
      const script = 'echo "task $PBS_ARRAYID"; [ "$PBS_ARRAYID" != 2 ] || exit 5';
      const parent = await box.submit(["--array", "0-3", "--", "sh", "-c", script]);
      const sid = parent.scheduler_job_id as string;
      assert.match(sid, /^\d+\[\]\.host$/);
      const first = await box.submit(["--", "sleep", "1"]);
      const broken = await box.submit(["--", "sh", "-c", "exit 1"]);
      const [next, never] = await Promise.all([
        box.submit(["--after-ok", id(first), "--", "true"]),
        box.submit(["--after-ok", id(broken), "--", "true"]),
      ]);
      const records = await box.settle([parent, first, broken, next!, never!].map(id));
      const done = records.get(id(parent))!;
      assert.deepEqual([done.state, done.failure_reason], [
        "failed",
        "1 of 4 array tasks did not succeed: task 2 failed (exit code 5).",
      ]);
      const tasks = tasksOf(records, id(parent));
      assert.deepEqual(
        tasks.map((t) => [t.array_task_id, t.scheduler_job_id, t.state, t.exit_code]),
        [
          ["0", sid.replace("[]", "[0]"), "succeeded", 0],
          ["1", sid.replace("[]", "[1]"), "succeeded", 0],
          ["2", sid.replace("[]", "[2]"), "failed", 5],
          ["3", sid.replace("[]", "[3]"), "succeeded", 0],
        ],
      );
      for (const task of tasks) {
        const logs = await box.molq(["logs", id(task)]);
        assert.equal(logs.stdout, `task ${task.array_task_id}\n`, logs.stderr);
      }
      const state = (r: Json) => records.get(id(r))!.state;
      assert.deepEqual([first, broken, next!, never!].map(state), [
        "succeeded",
        "failed",
        "succeeded",
        "cancelled",
      ]);
      // Torque deletes the job without a comment: molq can only say it never started.
      assert.equal(records.get(id(never!))!.failure_reason, "Cancelled before it started.");
    }),
});

Deno.test({
  ...options,
  name: "CLI on Torque: a failing, garbage-printing or hanging qstat changes no job",
  fn: () =>
    withBox(simBox("torque", { settings: KEEP, commandTimeout: "2s" }), async (box) => {
      const [long, ends] = await Promise.all([
        box.submit(["--", "sleep", "60"]),
        box.submit(["--", "sh", "-c", "sleep 3; exit 3"]),
      ]);
      await box.until(
        (r) => r.get(id(long!))?.state === "running" && r.get(id(ends!))?.state === "running",
        "the jobs to run",
      );
      const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
      const faults: [string, RegExp][] = [
        ["fail", /qstat failed with exit code 1: qstat: cannot connect to server/],
        ["garbage", /qstat printed a line molq cannot read: "Segmentation fault/],
        ["hang", /\/qstat timed out after 2 s\.$/m],
      ];
      for (const [fault, message] of faults) {
        const started = Date.now();
        const refresh = await box.molq(["refresh", "--force"], {
          env: { MOLQ_TEST_FAULT: fault },
        });
        // The hanging wrapper's child sleeps 120 s: only killing the whole group at the
        // profile's 2 s command timeout ends the call long before that.
        assert.ok(Date.now() - started < 60_000, `${fault}: the command timeout bounds the call`);
        assert.equal(refresh.code, 1, fault);
        assert.equal(refresh.stdout, "", fault);
        assert.match(
          refresh.stderr,
          /^molq: Refresh of torquesim failed: Cannot query PBS job status: [^\n]+\n$/,
        );
        assert.match(refresh.stderr, message, fault);
        assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before, fault);
      }
      const dir = before.find((r) => r.job_id === id(ends!))!.job_dir as string;
      await eventually(() => exists(join(dir, "exit_code")) || undefined, 30_000, "the job to end");
      const refresh = await box.molq(["refresh", "--force"]);
      assert.equal(refresh.code, 0, refresh.stderr);
      const after = await box.records();
      assert.deepEqual(
        [after.get(id(ends!))!.state, after.get(id(ends!))!.exit_code],
        ["failed", 3],
      );
      assert.equal(after.get(id(long!))!.state, "running");
      assert.equal((await box.clusterRow()).last_error, null);
    }),
});

Deno.test({
  ...options,
  name: "CLI on Torque: past keep_completed, the exit-code files alone give the final states",
  fn: () =>
    withBox(
      simBox("torque", {
        flavour: "torque",
        settings: { PBS_SIM_KILL_DELAY: "1", TORQUE_SIM_KEEP_COMPLETED: "1" },
      }),
      async (box) => {
        const [ok, bad, array] = await Promise.all([
          box.submit(["--", "true"]),
          box.submit(["--", "sh", "-c", "exit 4"]),
          box.submit(["--array", "0-1", "--", "sh", "-c", "exit $PBS_ARRAYID"]),
        ]);
        const evidence = [
          join(jobDir(ok!), "exit_code"),
          join(jobDir(bad!), "exit_code"),
          join(jobDir(array!), "exit_code.0"),
          join(jobDir(array!), "exit_code.1"),
        ];
        await eventually(
          () => evidence.every(exists) || undefined,
          30_000,
          "the jobs to write their exit codes",
        );
        await eventually(
          async () => {
            const ids = [ok!, bad!, array!].map((r) => r.scheduler_job_id as string);
            const { code, stdout } = await box.simulator("qstat", ["-f", "-1", ...ids]);
            return code === 153 && stdout.trim() === "" ? true : undefined;
          },
          30_000,
          "Torque to forget the jobs",
        );
        assert.deepEqual(box.statusCalls(), [], "molq never asked while they were listed");
        const [pass] = await box.refresh();
        assert.deepEqual([pass!.commandCalls, pass!.error], [1, null]);
        const records = await box.records();
        const seen = (r: Json) => [records.get(id(r))!.state, records.get(id(r))!.exit_code];
        assert.deepEqual(seen(ok!), ["succeeded", 0]);
        assert.deepEqual(seen(bad!), ["failed", 4]);
        assert.deepEqual(seen(array!), ["failed", null]);
        assert.deepEqual(
          tasksOf(records, id(array!)).map((t) => [t.array_task_id, t.state, t.exit_code]),
          [["0", "succeeded", 0], ["1", "failed", 1]],
        );
        assert.ok([...records.values()].every((r) => TERMINAL.includes(r.state as string)));
      },
    ),
});
