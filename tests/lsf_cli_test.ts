/**
 * End to end: the real `molq` CLI against the LSF simulator (tests/simulators/lsf), through
 * a cluster profile: success with logs, failure, bkill, a run-limit kill, arrays,
 * dependencies, a burst answered by one bjobs per pass, a broken bjobs or bhist that
 * changes nothing, and jobs past CLEAN_PERIOD with bhist's event log gone (the exit-code
 * file as the only evidence). The backend class itself is tested in tests/lsf_backend_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually } from "./_molq.ts";
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

// One `-W` minute lasts 2 s in the simulator, so `--time 2s` (rounded up to `-W 1`) is a
// 2 s run limit for real.
const FAST = {
  LSF_SIM_SECONDS_PER_MINUTE: "2",
  LSF_SIM_KILL_DELAY: "1",
  LSF_SIM_CLEAN_PERIOD: "3600",
  LSF_SIM_BHIST: "1",
};
const options = { sanitizeOps: false, sanitizeResources: false };

/** The simulator's own bjobs record for one job (or array element). */
async function bjobsRecord(box: SimBox, schedulerId: string): Promise<Json | undefined> {
  const { stdout } = await box.simulator("bjobs", [
    "-a",
    "-o",
    "stat exit_code exit_reason job_name",
    "-json",
    schedulerId,
  ]);
  return (JSON.parse(stdout).RECORDS as Json[])[0];
}

Deno.test({
  ...options,
  name: "CLI on LSF: success with logs, exit 3, bkill and a run-limit kill",
  fn: () =>
    withBox(simBox("lsf", { settings: FAST }), async (box) => {
      const [ok, bad, long, slow] = await Promise.all([
        box.submit([
          ...["--name", "e2e-ok", "--cpus", "2", "--time", "5m"],
          ...["--", "sh", "-c", "echo out; echo err >&2"],
        ]),
        box.submit(["--", "sh", "-c", "echo bye; exit 3"]),
        box.submit(["--", "sleep", "60"]),
        box.submit(["--time", "2s", "--", "sleep", "60"]),
      ]);
      assert.match(ok!.scheduler_job_id as string, /^\d+$/);
      assert.equal((await bjobsRecord(box, ok!.scheduler_job_id as string))?.JOB_NAME, "e2e-ok");

      await box.until((r) => r.get(id(long!))?.state === "running", "the long job to run");
      const cancel = await box.molq(["cancel", id(long!).slice(0, 8)]);
      assert.equal(cancel.code, 0, cancel.stderr);
      // LSF itself ended it, as killed by its owner.
      const killed = await eventually(
        async () => {
          const record = await bjobsRecord(box, long!.scheduler_job_id as string);
          return record?.STAT === "EXIT" ? record : undefined;
        },
        30_000,
        "LSF to end the killed job",
      );
      assert.match(killed.EXIT_REASON as string, /^TERM_OWNER/);

      const records = await box.settle([ok, bad, slow].map((r) => id(r!)));
      const seen = (r: Json | undefined) => {
        const record = records.get(id(r!))!;
        return [record.state, record.exit_code, record.failure_reason];
      };
      assert.deepEqual(seen(ok), ["succeeded", 0, null]);
      assert.deepEqual(seen(bad), ["failed", 3, "Exited with code 3."]);
      assert.deepEqual(seen(slow).filter((_, i) => i !== 1), [
        "timed_out",
        "Killed by LSF after reaching its run limit.",
      ]);
      assert.deepEqual(seen(long), ["cancelled", null, "Cancelled by the user."]);
      const done = records.get(id(ok!))!;
      assert.ok(done.started_at && done.finished_at && done.finished_at >= done.started_at);

      // LSF appends its job report to the output file.
      const out = (await box.molq(["logs", id(ok!)])).stdout;
      assert.match(out, /^out\n/);
      assert.match(out, /Successfully completed\./);
      assert.equal(
        (await box.molq(["logs", id(ok!), "lsf", "--stream", "stderr"])).stdout,
        "err\n",
      );
      assert.match(
        (await box.molq(["logs", id(bad!)])).stdout,
        /^bye\n[^]*Exited with exit code 3\./,
      );
      assert.equal((await box.molq(["watch", id(ok!)])).code, 0);
      assert.equal((await box.molq(["watch", id(bad!)])).code, 1);
    }),
});

Deno.test({
  ...options,
  name: "CLI on LSF: an array of 4 with one failing element",
  fn: () =>
    withBox(simBox("lsf", { settings: FAST }), async (box) => {
      const script = 'echo "task $LSB_JOBINDEX"; [ "$LSB_JOBINDEX" != 3 ] || exit 5';
      const parent = await box.submit(["--array", "1-4", "--", "sh", "-c", script]);
      const sid = parent.scheduler_job_id as string;
      assert.match(sid, /^\d+$/);
      const records = await box.settle([id(parent)]);
      const done = records.get(id(parent))!;
      assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
        "failed",
        null,
        "1 of 4 array tasks did not succeed: task 3 failed (exit code 5).",
      ]);
      const tasks = tasksOf(records, id(parent));
      assert.deepEqual(
        tasks.map((t) => [t.array_task_id, t.scheduler_job_id, t.state, t.exit_code]),
        [
          ["1", `${sid}[1]`, "succeeded", 0],
          ["2", `${sid}[2]`, "succeeded", 0],
          ["3", `${sid}[3]`, "failed", 5],
          ["4", `${sid}[4]`, "succeeded", 0],
        ],
      );
      for (const task of tasks) {
        const logs = await box.molq(["logs", id(task).slice(0, 12)]);
        assert.match(logs.stdout, new RegExp(`^task ${task.array_task_id}\\n`), logs.stderr);
      }
      const parentLogs = await box.molq(["logs", id(parent)]);
      assert.equal(parentLogs.code, 2);
      assert.match(parentLogs.stderr, /is an array; its tasks have their own logs/);
    }),
});

Deno.test({
  ...options,
  name: "CLI on LSF: --after-ok chains; one on a failed job is terminated by LSF",
  fn: () =>
    withBox(simBox("lsf", { settings: FAST }), async (box) => {
      const first = await box.submit(["--", "sleep", "5"]);
      const broken = await box.submit(["--", "sh", "-c", "exit 1"]);
      const [next, never, rescue] = await Promise.all([
        box.submit(["--after-ok", id(first).slice(0, 8), "--", "true"]),
        box.submit(["--after-ok", id(broken), "--", "true"]),
        box.submit(["--after-fail", id(broken), "--", "true"]),
      ]);
      const waiting = "Job dependency condition not satisfied";
      const pending = await box.until(
        (r) =>
          r.get(id(next!))?.state_detail === waiting ||
          TERMINAL.includes(r.get(id(first))?.state as string),
        "the dependent job to wait",
      );
      if (!TERMINAL.includes(pending.get(id(first))?.state as string)) {
        assert.equal(pending.get(id(next!))?.state, "queued");
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
        "Terminated by LSF because its dependency can never be satisfied.",
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
  name: "CLI on LSF: a burst of 32 jobs is answered by one bjobs call per pass",
  fn: () =>
    withBox(simBox("lsf", { settings: FAST }), async (box) => {
      const jobs = await inBatches(
        32,
        6,
        (i) => box.submit(["--name", `burst-${i}`, "--", "sh", "-c", `sleep 1; exit ${i % 2}`]),
      );
      assert.deepEqual(box.calls(), [], "submitting never queries LSF");
      const first = await box.refresh();
      assert.deepEqual(first.map((p) => [p.cluster, p.skipped, p.commandCalls, p.error]), [
        [box.cluster, false, 1, null],
      ]);
      assert.equal(box.statusCalls().length, 1);
      const asked = box.statusCalls()[0]!.split(" ").filter((word) => /^\d+$/.test(word));
      assert.deepEqual(
        new Set(asked),
        new Set(jobs.map((job) => job.scheduler_job_id as string)),
      );
      assert.equal(asked.length, 32, "each id asked about once");

      const passes = await refreshBurstToTheEnd(box, jobs);
      assert.deepEqual(box.calls().filter((line) => line.startsWith("bhist")), []);
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
  name: "CLI on LSF: a failing, garbage-printing or hanging bjobs changes no job",
  fn: () =>
    withBox(simBox("lsf", { settings: FAST, commandTimeout: "2s" }), async (box) => {
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
        ["fail", /bjobs printed nothing \(exit code 1\): LSF is down/],
        ["garbage", /bjobs printed output that is not JSON: "Segmentation fault/],
        ["hang", /\/bjobs timed out after 2 s\.$/m],
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
          /^molq: Refresh of lsfsim failed: Cannot query LSF job status: [^\n]+\n$/,
          fault,
        );
        assert.match(refresh.stderr, message, fault);
        assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before, fault);
        assert.match((await box.clusterRow()).last_error as string, message, fault);
      }
      const dir = before.find((r) => r.job_id === id(ends!))!.job_dir as string;
      await eventually(() => exists(join(dir, "exit_code")) || undefined, 30_000, "the job to end");
      const refresh = await box.molq(["refresh", "--force"]);
      assert.equal(refresh.code, 0, refresh.stderr);
      const after = await box.records();
      const seen = (r: Json) => [after.get(id(r))!.state, after.get(id(r))!.exit_code];
      assert.deepEqual(seen(ends!), ["failed", 3]);
      assert.deepEqual(seen(long!), ["running", null]);
      assert.deepEqual(seen(quick!), ["succeeded", 0]);
      assert.deepEqual(seen(held), ["queued", null]);
      assert.equal(after.get(id(held))!.state_detail, "Job dependency condition not satisfied");
      assert.equal((await box.clusterRow()).last_error, null);
    }),
});

Deno.test({
  ...options,
  name: "CLI on LSF: past CLEAN_PERIOD with bhist's events gone, the exit-code files decide",
  fn: () =>
    withBox(
      simBox("lsf", { settings: { ...FAST, LSF_SIM_CLEAN_PERIOD: "0" }, commandTimeout: "2s" }),
      async (box) => {
        const [ok, bad, array, slow] = await Promise.all([
          box.submit(["--", "sh", "-c", "echo fine"]),
          box.submit(["--", "sh", "-c", "exit 7"]),
          box.submit(["--array", "1-3", "--", "sh", "-c", "exit $((LSB_JOBINDEX - 1))"]),
          box.submit(["--time", "2s", "--", "sleep", "60"]),
        ]);
        const evidence = [
          join(jobDir(ok!), "exit_code"),
          join(jobDir(bad!), "exit_code"),
          ...[1, 2, 3].map((i) => join(jobDir(array!), `exit_code.${i}`)),
        ];
        await eventually(
          () => evidence.every(exists) || undefined,
          30_000,
          "the jobs to write their exit codes",
        );
        const ids = [ok!, bad!, array!, slow!].map((r) => r.scheduler_job_id as string);
        await eventually(
          async () => {
            const { stdout } = await box.simulator("bjobs", ["-a", "-o", "stat", "-json", ...ids]);
            const gone = (JSON.parse(stdout).RECORDS as Json[]).every((r) => r.ERROR);
            return gone ? true : undefined;
          },
          30_000,
          "bjobs to forget the jobs",
        );
        assert.deepEqual(box.calls(), [], "molq never asked while they were listed");

        // bhist broken: the pass fails and nothing changes, although exit codes are there.
        const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
        const broken = await box.molq(["refresh"], {
          env: { MOLQ_TEST_FAULT: "hang", MOLQ_TEST_FAULT_COMMAND: "bhist" },
        });
        assert.equal(broken.code, 1);
        assert.match(
          broken.stderr,
          /^molq: Refresh of lsfsim failed: Cannot query LSF job status: \S+\/bhist timed out after 2 s\.\n$/,
        );
        assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before);

        // bhist's event log rotated away: only the job-written files are left.
        const [pass] = await box.refresh(["--force"], { LSF_SIM_BHIST: "0" });
        assert.deepEqual([pass!.commandCalls, pass!.error], [2, null]); // bjobs, then bhist
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
          "2 of 3 array tasks did not succeed: task 2 failed (exit code 1), task 3 failed (exit code 2).",
        ]);
        const sid = array!.scheduler_job_id as string;
        assert.deepEqual(
          tasksOf(records, id(array!)).map((t) => [
            t.array_task_id,
            t.scheduler_job_id,
            t.state,
            t.exit_code,
          ]),
          [["1", `${sid}[1]`, "succeeded", 0], ["2", `${sid}[2]`, "failed", 1], [
            "3",
            `${sid}[3]`,
            "failed",
            2,
          ]],
        );
        assert.match((await box.molq(["logs", id(ok!)])).stdout, /^fine\n/);
        // Killed at its run limit before it could write a code: no evidence anywhere, so it
        // keeps its state (it would become lost only after the grace period)...
        assert.ok(!TERMINAL.includes(records.get(id(slow!))!.state as string));
        // ...until bhist can tell again.
        const [later] = await box.refresh(["--force"]);
        assert.deepEqual([later!.commandCalls, later!.error], [2, null]);
        const final = (await box.records()).get(id(slow!))!;
        assert.deepEqual([final.state, final.failure_reason], [
          "timed_out",
          "Killed by LSF after reaching its run limit.",
        ]);
      },
    ),
});
