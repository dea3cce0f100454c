/**
 * End to end: the real `molq` CLI against the PBS Pro simulator (tests/simulators/pbs),
 * through a cluster profile: success with logs, failure, cancel, walltime, arrays,
 * dependencies, a burst answered by one qstat per pass, a broken qstat that changes
 * nothing, and history off (the exit-code file as the only evidence). The backend class
 * itself is tested in tests/pbs_backend_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, exitCodeWritten } from "./_molq.ts";
import {
  exists,
  id,
  inBatches,
  jobDir,
  type Json,
  refreshBurstToTheEnd,
  type SimBox,
  simBox,
  tasksOf,
  TERMINAL,
  withBox,
} from "./_sim_cluster.ts";

const FAST = { PBS_SIM_KILL_DELAY: "1" };
const HISTORY = { ...FAST, PBS_SIM_HISTORY: "1" };
// Every simulated job ends by itself within a minute, even if a test dies before clean-up.
const options = { sanitizeOps: false, sanitizeResources: false };

/** The simulator's own qstat JSON for one job (what PBS was asked for and reports). */
async function qstatJob(box: SimBox, schedulerId: string): Promise<Json | undefined> {
  const { stdout } = await box.simulator("qstat", ["-f", "-F", "json", "-x", schedulerId]);
  if (stdout.trim() === "") return undefined;
  return (JSON.parse(stdout).Jobs as Record<string, Json>)[schedulerId];
}

Deno.test({
  ...options,
  name: "CLI on PBS Pro: success with logs, exit 3, cancel and a walltime kill",
  fn: () =>
    withBox(simBox("pbs", { flavour: "pro", settings: HISTORY }), async (box) => {
      const [ok, bad, long, slow] = await Promise.all([
        box.submit([
          ...["--name", "e2e-ok", "--cpus", "2", "--mem", "100M", "--time", "5m"],
          ...["--", "sh", "-c", "echo out; echo err >&2"],
        ]),
        box.submit(["--", "sh", "-c", "echo bye; exit 3"]),
        box.submit(["--", "sleep", "60"]),
        box.submit(["--time", "2s", "--", "sleep", "60"]),
      ]);
      assert.match(ok!.scheduler_job_id as string, /^\d+\.server$/);
      // What PBS was asked for, read back from the simulated server.
      const asked = await qstatJob(box, ok!.scheduler_job_id as string);
      assert.equal(asked?.Job_Name, "e2e-ok");
      assert.deepEqual(
        [
          (asked?.Resource_List as Json).ncpus,
          (asked?.Resource_List as Json).mem,
          (asked?.Resource_List as Json).walltime,
        ],
        [2, "100mb", "00:05:00"],
      );
      // ...and what molq recorded it asked for.
      const inspected = JSON.parse((await box.molq(["inspect", id(ok!), "--json"])).stdout);
      assert.deepEqual(
        [
          inspected.resources.cpus,
          inspected.resources.memory_bytes,
          inspected.resources.time_limit_seconds,
        ],
        [2, 100 * 1024 * 1024, 300],
      );
      assert.equal(inspected.scheduling.partition, null);

      await box.until((r) => r.get(id(long!))?.state === "running", "the long job to run");
      const cancel = await box.molq(["cancel", id(long!).slice(0, 8)]);
      assert.equal(cancel.code, 0, cancel.stderr);
      // PBS itself ended it: the simulator reports it finished by SIGTERM (256 + 15).
      const killed = await eventually(
        async () => {
          const job = await qstatJob(box, long!.scheduler_job_id as string);
          return job?.job_state === "F" ? job : undefined;
        },
        30_000,
        "PBS to end the cancelled job",
      );
      assert.equal(killed.Exit_status, 271);

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
      // A later pass does not overwrite the user's cancel.
      assert.deepEqual(seen(long), ["cancelled", null, "Cancelled by the user."]);
      const done = records.get(id(ok!))!;
      assert.ok(done.started_at && done.finished_at && done.finished_at >= done.started_at);

      const okId = id(ok!).slice(0, 8);
      assert.equal((await box.molq(["logs", okId])).stdout, "out\n");
      assert.equal((await box.molq(["logs", okId, "pbs", "--stream", "stderr"])).stdout, "err\n");
      assert.equal((await box.molq(["logs", id(bad!)])).stdout, "bye\n");
      assert.equal((await box.molq(["watch", okId])).code, 0);
      assert.equal((await box.molq(["watch", id(bad!)])).code, 1);
      const again = await box.molq(["cancel", id(bad!)]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already finished \(failed\)/);
    }),
});

Deno.test({
  ...options,
  name: "CLI on PBS Pro: an array of 4 with one failing task",
  fn: () =>
    withBox(simBox("pbs", { flavour: "pro", settings: HISTORY }), async (box) => {
      const script = 'echo "task $PBS_ARRAY_INDEX"; [ "$PBS_ARRAY_INDEX" != 2 ] || exit 5';
      const parent = await box.submit(["--array", "0-3", "--", "sh", "-c", script]);
      const sid = parent.scheduler_job_id as string;
      assert.match(sid, /^\d+\[\]\.server$/);
      const records = await box.settle([id(parent)]);
      const done = records.get(id(parent))!;
      assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
        "failed",
        null,
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
        const logs = await box.molq(["logs", id(task).slice(0, 12)]);
        assert.equal(logs.stdout, `task ${task.array_task_id}\n`, logs.stderr);
      }
      // The array's own logs point at its tasks.
      const parentLogs = await box.molq(["logs", id(parent)]);
      assert.equal(parentLogs.code, 2);
      assert.match(parentLogs.stderr, /is an array; its tasks have their own logs/);
      const inspected = await box.molq(["inspect", id(parent)]);
      assert.match(inspected.stdout, /^ +2 +\S+ +\d+\[2\]\.server +failed +5$/m);
    }),
});

Deno.test({
  ...options,
  name: "CLI on PBS Pro: --after-ok chains; one on a failed job is deleted by PBS",
  fn: () =>
    withBox(simBox("pbs", { flavour: "pro", settings: HISTORY }), async (box) => {
      const first = await box.submit(["--", "sleep", "5"]);
      const broken = await box.submit(["--", "sh", "-c", "exit 1"]);
      const [next, never, rescue] = await Promise.all([
        box.submit(["--after-ok", id(first).slice(0, 8), "--", "true"]),
        box.submit(["--after-ok", id(broken), "--", "true"]),
        box.submit(["--after-fail", id(broken), "--", "true"]),
      ]);
      // Native dependencies: PBS holds the job until its upstream succeeded.
      const asked = await qstatJob(box, next!.scheduler_job_id as string);
      assert.equal(asked?.depend, `afterok:${first.scheduler_job_id}`);
      // Seen held while its upstream runs (unless a very slow machine missed that window).
      const held = await box.until(
        (r) =>
          r.get(id(next!))?.state_detail === "held" ||
          TERMINAL.includes(r.get(id(first))?.state as string),
        "the dependent job to be held",
      );
      if (!TERMINAL.includes(held.get(id(first))?.state as string)) {
        assert.equal(held.get(id(next!))?.state, "queued");
      }
      const records = await box.settle([first, broken, next!, never!, rescue!].map(id));
      const state = (r: Json) => records.get(id(r))!.state;
      assert.deepEqual([first, broken, next!, never!, rescue!].map(state), [
        "succeeded",
        "failed",
        "succeeded",
        "cancelled",
        "succeeded",
      ]);
      assert.ok(
        (records.get(id(next!))!.started_at as string) >=
          (records.get(id(first))!.finished_at as string),
      );
      const inspected = await box.json<Json>(["inspect", id(never!)]);
      assert.equal(inspected.state, "cancelled");
      assert.equal(
        inspected.failure_reason,
        `Deleted by PBS before it started: Job deleted as result of dependency on job ${broken.scheduler_job_id}.`,
      );
      const human = await box.molq(["inspect", id(never!)]);
      assert.match(
        human.stdout,
        new RegExp(`^depends on +afterok:${id(broken).slice(0, 8)}$`, "m"),
      );
    }),
});

Deno.test({
  ...options,
  name: "CLI on PBS Pro: a burst of 32 jobs is answered by one qstat call per pass",
  fn: () =>
    withBox(simBox("pbs", { flavour: "pro", settings: HISTORY }), async (box) => {
      const jobs = await inBatches(
        32,
        6,
        (i) => box.submit(["--name", `burst-${i}`, "--", "sh", "-c", `sleep 1; exit ${i % 2}`]),
      );
      assert.deepEqual(box.calls(), [], "submitting never queries the queue");
      const first = await box.refresh();
      assert.deepEqual(first.map((p) => [p.cluster, p.skipped, p.commandCalls, p.error]), [
        [box.cluster, false, 1, null],
      ]);
      const [call] = box.statusCalls();
      assert.equal(box.statusCalls().length, 1);
      const asked = call!.split(" ").filter((word) => /^\d+\.server$/.test(word));
      assert.deepEqual(
        new Set(asked),
        new Set(jobs.map((job) => job.scheduler_job_id as string)),
      );
      assert.equal(asked.length, 32, "each id asked about once");

      const passes = await refreshBurstToTheEnd(box, jobs);
      const row = await box.clusterRow();
      assert.equal(row.scheduler_calls_last_hour, passes);
      assert.ok(Date.parse(row.last_poll as string) > Date.parse(jobs[0]!.submitted_at as string));
      assert.equal(row.last_error, null);
      const records = await box.records();
      jobs.forEach((job, i) => {
        const record = records.get(id(job))!;
        assert.deepEqual([record.state, record.exit_code], [
          i % 2 === 0 ? "succeeded" : "failed",
          i % 2,
        ]);
      });
      assert.deepEqual(await box.refresh(), [], "nothing left to poll");
      assert.equal(box.statusCalls().length, passes);
    }),
});

Deno.test({
  ...options,
  name: "CLI on PBS Pro: a failing, garbage-printing or hanging qstat changes no job",
  fn: () =>
    withBox(
      simBox("pbs", { flavour: "pro", settings: HISTORY, commandTimeout: "2s" }),
      async (box) => {
        const [long, ends, quick] = await Promise.all([
          box.submit(["--", "sleep", "60"]),
          box.submit(["--", "sh", "-c", "sleep 4; exit 3"]),
          box.submit(["--", "true"]),
        ]);
        const held = await box.submit(["--after-ok", id(long!), "--", "true"]);
        await box.until(
          (r) =>
            r.get(id(long!))?.state === "running" && r.get(id(ends!))?.state === "running" &&
            r.get(id(quick!))?.state === "succeeded" && r.get(id(held))?.state === "queued",
          "the jobs to be under way",
        );
        const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
        const faults: [string, RegExp][] = [
          ["fail", /qstat failed with exit code 1: qstat: cannot connect to server/],
          ["garbage", /qstat printed output that is not JSON: "Segmentation fault/],
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
          assert.equal(refresh.code, 1, `${fault}: ${refresh.stdout}${refresh.stderr}`);
          assert.equal(refresh.stdout, "", fault);
          assert.match(
            refresh.stderr,
            new RegExp(
              `^molq: Refresh of ${box.cluster} failed: Cannot query PBS job status: [^\\n]+\\n$`,
            ),
            fault,
          );
          assert.match(refresh.stderr, message, fault);
          assert.deepEqual(
            await box.json<Json[]>(["list", "--all", "--no-refresh"]),
            before,
            fault,
          );
          assert.match((await box.clusterRow()).last_error as string, message, fault);
        }
        // The job that ended during the outage wrote its exit code; with qstat back, the very
        // next pass gets every true state.
        const dir = before.find((r) => r.job_id === id(ends!))!.job_dir as string;
        await eventually(
          () => exists(join(dir, "exit_code")) || undefined,
          30_000,
          "the job to end",
        );
        const refresh = await box.molq(["refresh", "--force"]);
        assert.equal(refresh.code, 0, refresh.stderr);
        const after = await box.records();
        const seen = (r: Json) => [after.get(id(r))!.state, after.get(id(r))!.exit_code];
        assert.deepEqual(seen(ends!), ["failed", 3]);
        assert.deepEqual(seen(long!), ["running", null]);
        assert.deepEqual(seen(quick!), ["succeeded", 0]);
        assert.deepEqual(seen(held), ["queued", null]);
        assert.equal(after.get(id(held))!.state_detail, "held");
        assert.equal((await box.clusterRow()).last_error, null);
      },
    ),
});

Deno.test({
  ...options,
  name: "CLI on PBS Pro: with history off, the exit-code files alone give the final states",
  fn: () =>
    withBox(
      simBox("pbs", { flavour: "pro", settings: { ...FAST, PBS_SIM_HISTORY: "0" } }),
      async (box) => {
        const [ok, bad, array, slow] = await Promise.all([
          box.submit(["--", "sh", "-c", "echo fine"]),
          box.submit(["--", "sh", "-c", "exit 7"]),
          box.submit(["--array", "0-2", "--", "sh", "-c", "exit $PBS_ARRAY_INDEX"]),
          box.submit(["--time", "2s", "--", "sleep", "60"]),
        ]);
        // Nobody polls until PBS has forgotten every one of them.
        const evidence = [
          join(jobDir(ok!), "exit_code"),
          join(jobDir(bad!), "exit_code"),
          ...[0, 1, 2].map((i) => join(jobDir(array!), `exit_code.${i}`)),
        ];
        await eventually(
          () => evidence.every((path) => exists(path)) || undefined,
          30_000,
          "the jobs to write their exit codes",
        );
        await eventually(
          async () => {
            const { code, stdout } = await box.simulator("qstat", [
              "-f",
              "-F",
              "json",
              "-x",
              ...[ok!, bad!, array!, slow!].map((r) => r.scheduler_job_id as string),
            ]);
            return code === 153 && !stdout.includes('"Jobs"') ? true : undefined;
          },
          30_000,
          "PBS to forget the jobs",
        );
        assert.deepEqual(box.calls(), [], "molq never asked while they were listed");
        const [pass] = await box.refresh();
        assert.deepEqual([pass!.commandCalls, pass!.error], [1, null]);
        const records = await box.records();
        const seen = (r: Json) => {
          const record = records.get(id(r))!;
          return [record.state, record.exit_code, record.failure_reason];
        };
        assert.deepEqual(seen(ok!), ["succeeded", 0, null]);
        assert.deepEqual(seen(bad!), ["failed", 7, "Exited with code 7."]);
        assert.deepEqual(seen(array!), [
          "failed",
          null,
          "2 of 3 array tasks did not succeed: task 1 failed (exit code 1), task 2 failed (exit code 2).",
        ]);
        const sid = array!.scheduler_job_id as string;
        assert.deepEqual(
          tasksOf(records, id(array!)).map((t) => [
            t.array_task_id,
            t.scheduler_job_id,
            t.state,
            t.exit_code,
          ]),
          [
            ["0", sid.replace("[]", "[0]"), "succeeded", 0],
            ["1", sid.replace("[]", "[1]"), "failed", 1],
            ["2", sid.replace("[]", "[2]"), "failed", 2],
          ],
        );
        assert.equal((await box.molq(["logs", id(ok!)])).stdout, "fine\n");
        // Killed at its walltime before it could write a code: no evidence at all. It is not
        // given a made-up final state; it stays active until the lost grace period is over.
        assert.ok(!TERMINAL.includes(records.get(id(slow!))!.state as string));
      },
    ),
});

Deno.test({
  ...options,
  name:
    "CLI on PBS Pro: cancelling several jobs sends one qdel; one that ended keeps its result; a failing qdel changes none",
  fn: () =>
    withBox(simBox("pbs", { flavour: "pro", settings: HISTORY }), async (box) => {
      const qdels = () => box.calls().filter((line) => line.startsWith("qdel "));
      const long = await Promise.all([1, 2, 3].map(() => box.submit(["--", "sleep", "60"])));
      await box.until(
        (r) => long.every((job) => r.get(id(job))?.state === "running"),
        "the long jobs to run",
      );
      // A qdel that fails: each job is told, none is recorded cancelled; after the one
      // command for both, each is tried alone (to tell whom a refusal concerns).
      const fault = { MOLQ_TEST_FAULT: "fail", MOLQ_TEST_FAULT_COMMAND: "qdel" };
      const failing = await box.molq(["cancel", id(long[0]!), id(long[1]!)], { env: fault });
      assert.equal(failing.code, 1);
      assert.equal(
        failing.stderr.match(/^molq: PBS refused to cancel: qdel: cannot connect to server/gm)
          ?.length,
        2,
        failing.stderr,
      );
      assert.equal(qdels().length, 3, qdels().join("\n"));
      const unchanged = await box.records();
      assert.ok(long.every((job) => unchanged.get(id(job))!.state === "running"));
      // A quick job has ended (its exit code is written) but no pass has seen it yet.
      const quick = await box.submit(["--", "true"]);
      await exitCodeWritten(box, id(quick));
      const cancel = await box.molq(["cancel", ...[...long, quick].map(id)]);
      assert.equal(cancel.code, 1, cancel.stderr);
      assert.match(
        cancel.stderr,
        /^molq: Cannot cancel job "\w{8}": it has already ended with exit code 0; the next refresh records its result\.\n$/,
      );
      assert.equal(cancel.stdout.match(/ cancelled$/gm)?.length, 3, cancel.stdout);
      const sent = qdels().slice(3);
      assert.equal(sent.length, 1, `one qdel for the three jobs: ${sent.join("\n")}`);
      assert.deepEqual(
        sent[0]!.split(" ").slice(1).sort(),
        long.map((job) => job.scheduler_job_id as string).sort(),
      );
      const after = await box.settle([...long, quick].map(id));
      assert.deepEqual(
        [...long, quick].map((job) => after.get(id(job))!.state),
        ["cancelled", "cancelled", "cancelled", "succeeded"],
      );
    }),
});
