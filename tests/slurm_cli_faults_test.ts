/**
 * End to end on the REAL SLURM through the `molq` CLI: a burst of 100 submissions answered
 * by one squeue call per pass, jobs purged by SLURM before molq ever polled them (with
 * accounting, and with a site wrapper that says accounting is disabled), and slurmctld
 * going away in the middle of it all. Without SLURM these tests FAIL unless
 * MOLQ_SLURM_TESTS=skip. Every job is cancelled at the end.
 */
import assert from "node:assert/strict";
import { runCommand } from "../src/process/run_command.ts";
import { eventually } from "./_molq.ts";
import { cluster, ready, SKIP, slurmTest, waitUntilPurged } from "./slurm_cluster.ts";
import {
  cleanupTest,
  clusters,
  devCluster,
  type Json,
  profile,
  SACCT_DISABLED,
  slurmBox,
  SQUEUE_COUNTING,
  squeueField,
  stored,
  submit,
  TERMINAL,
} from "./fixtures/slurm/cli.ts";

// Jobs that end within a second and that SLURM forgets after MinJobAge=10 s: submitted when
// the file loads and left alone (no molq process polls this sandbox) until the purge test,
// so the wait overlaps the burst test.
const purgeBox = SKIP ? null : slurmBox(profile("noacct", { sacct: SACCT_DISABLED }));
const purgeJobs: Promise<Record<string, Json>> = SKIP
  ? Promise.resolve({})
  : ready.then(async () => {
    const box = purgeBox!;
    const jobs: Record<string, Json> = {};
    const failingTask = '[ "$SLURM_ARRAY_TASK_ID" != 1 ] || exit 6';
    const targets: [string, string[]][] = [["acct", ["slurm"]], ["noacct", [
      "--cluster",
      "noacct",
    ]]];
    for (const [prefix, target] of targets) {
      jobs[`${prefix}-ok`] = await submit(box, [...target, "--", "true"]);
      jobs[`${prefix}-exit4`] = await submit(box, [...target, "--", "sh", "-c", "exit 4"]);
      jobs[`${prefix}-array`] = await submit(box, [
        ...target,
        "--array",
        "0-1",
        "--",
        "sh",
        "-c",
        failingTask,
      ]);
    }
    // Cancelled by an admin while held: never ran, so only accounting knows how it ended.
    jobs["acct-admin-cancel"] = await submit(box, [
      "slurm",
      "--scheduler-arg=--hold",
      "--",
      "true",
    ]);
    await runCommand(["scancel", jobs["acct-admin-cancel"].scheduler_job_id as string]);
    return jobs;
  });
purgeJobs.catch(() => {}); // reported by the purge test

slurmTest(
  "CLI on SLURM: a burst of 100 submissions is reconciled with one squeue call per pass",
  async () => {
    const box = slurmBox(profile("burst", { squeue: SQUEUE_COUNTING }));
    const ids: string[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        submit(box, [
          "--cluster",
          "burst",
          "--scheduler-arg=--hold",
          "--name",
          `burst-${wave * 10 + i}`,
          "--",
          "true",
        ]));
      ids.push(...(await Promise.all(batch)).map((r) => r.job_id as string));
    }
    assert.deepEqual(box.calls(), [], "submitting never queries the queue");
    const pass = await box.json<Json[]>(["refresh"]);
    assert.deepEqual(pass.map((p) => [p.cluster, p.skipped, p.changed, p.commandCalls, p.error]), [
      ["burst", false, 100, 1, null],
    ]);
    const calls = box.calls();
    assert.equal(calls.length, 1);
    const records = await stored(box);
    const schedulerIds = ids.map((id) => records.get(id)!.scheduler_job_id as string);
    assert.deepEqual(new Set(/ -j (\S+)/.exec(calls[0]!)![1]!.split(",")), new Set(schedulerIds));
    for (const id of ids) {
      assert.deepEqual([records.get(id)!.state, records.get(id)!.state_detail], [
        "queued",
        "JobHeldUser",
      ]);
    }
    assert.equal((await clusters(box)).get("burst")!.scheduler_calls_last_hour, 1);
    // Within the minimum interval every other process skips the cluster: still one call.
    const fresh = await box.molq(["refresh"], { env: { MOLQ_MIN_POLL_INTERVAL: "10m" } });
    assert.equal(fresh.stdout, "burst: skipped (polled moments ago)\n");
    const forced = await box.json<Json[]>(["refresh", "--force"]);
    assert.deepEqual(forced.map((p) => [p.changed, p.commandCalls]), [[0, 1]]);
    assert.equal(box.calls().length, 2);
    assert.equal((await clusters(box)).get("burst")!.scheduler_calls_last_hour, 2);
    const cancel = await box.molq(["cancel", ...ids]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const states = await runCommand([
      "squeue",
      "-h",
      "-t",
      "all",
      "-o",
      "%T",
      "-j",
      schedulerIds.join(","),
    ]);
    assert.deepEqual(new Set(states.stdout.trim().split("\n")), new Set(["CANCELLED"]));
    assert.deepEqual(await box.json<Json[]>(["refresh"]), [], "nothing left to poll");
    assert.equal(box.calls().length, 2);
  },
);

slurmTest(
  "CLI on SLURM: jobs purged before molq ever polled them still get their true final state",
  async () => {
    const jobs = await purgeJobs;
    const box = purgeBox!;
    await waitUntilPurged(Object.values(jobs).map((r) => r.scheduler_job_id as string), 90_000);
    const unpolled = await clusters(box);
    assert.deepEqual(
      [unpolled.get("slurm")?.last_poll, unpolled.get("noacct")?.last_poll],
      [null, null],
      "nothing polled these jobs before SLURM purged them",
    );
    const pass = await box.json<Json[]>(["refresh"]);
    assert.deepEqual(pass.map((p) => [p.cluster, p.error]).sort(), [["noacct", null], [
      "slurm",
      null,
    ]]);
    // The noacct cluster asked its sacct, heard "accounting storage is disabled", and used the
    // exit-code files the jobs wrote themselves.
    assert.ok(box.calls().some((line) => line.startsWith("sacct ")), box.calls().join("\n"));
    const records = await stored(box);
    const seen = (key: string) => {
      const r = records.get(jobs[key]!.job_id as string)!;
      return [r.state, r.exit_code, r.failure_reason];
    };
    const tasks = (key: string) =>
      [...records.values()].filter((r) => r.array_job_id === jobs[key]!.job_id)
        .map((r) => [r.array_task_id, r.state, r.exit_code]).sort();
    for (const prefix of ["acct", "noacct"]) {
      assert.deepEqual(seen(`${prefix}-ok`), ["succeeded", 0, null], prefix);
      assert.deepEqual(seen(`${prefix}-exit4`), ["failed", 4, "Exited with code 4."], prefix);
      assert.deepEqual(seen(`${prefix}-array`), [
        "failed",
        null,
        "1 of 2 array tasks did not succeed: task 1 failed (exit code 6).",
      ]);
      assert.deepEqual(
        tasks(`${prefix}-array`),
        [["0", "succeeded", 0], ["1", "failed", 6]],
        prefix,
      );
    }
    // Only accounting knows about a job cancelled before it ever ran.
    if (cluster.accountingOn) {
      assert.deepEqual(seen("acct-admin-cancel").slice(0, 2), ["cancelled", null]);
      assert.match(seen("acct-admin-cancel")[2] as string, /^Cancelled( by uid \d+)?\.$/);
    }
    const rows = await clusters(box);
    assert.equal(rows.get("noacct")!.last_error, null);
    assert.equal(rows.get("slurm")!.last_error, null);
  },
);

slurmTest(
  "CLI on SLURM: slurmctld down: refresh fails naming squeue and changes nothing; back up: true states",
  async () => {
    const box = slurmBox();
    const held = await submit(box, ["slurm", "--scheduler-arg=--hold", "--", "true"]);
    const long = await submit(box, ["slurm", "--", "sleep", "300"]);
    const ends = await submit(box, ["slurm", "--", "sh", "-c", "sleep 10; exit 3"]);
    const quick = await submit(box, ["slurm", "--", "true"]);
    const id = (r: Json) => r.job_id as string;
    await eventually(
      async () => {
        await box.molq(["refresh"]);
        const records = await stored(box);
        const running = (r: Json) =>
          !["submitted", "queued"].includes(records.get(id(r))!.state as string);
        // The quick job ended before the outage (SLURM knows; "" = already purged), whatever
        // molq saw of it.
        const quickState = await squeueField(quick.scheduler_job_id as string, "%T");
        const quickDone = quickState === "COMPLETED" || quickState === "";
        return (running(long) && running(ends) && quickDone) || undefined;
      },
      60_000,
      "jobs to run",
    );
    const before = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    await devCluster("stop-ctld");
    try {
      const refresh = await box.molq(["refresh", "--force"]);
      assert.equal(refresh.code, 1);
      assert.equal(refresh.stdout, "");
      assert.match(
        refresh.stderr,
        /^molq: Refresh of slurm failed: Cannot query SLURM: squeue failed with exit code 1: [^\n]*slurm controller[^\n]*\n$/,
      );
      assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), before);
      const row = (await clusters(box)).get("slurm")!;
      assert.match(row.last_error as string, /squeue failed with exit code 1/);
    } finally {
      await devCluster("start-ctld");
    }
    // A job that ended while the controller was away stays RUNNING to SLURM until its
    // slurmstepd retries the completion message (~15 s); then every job has its true state.
    const after = await eventually(
      async () => {
        const refresh = await box.molq(["refresh"]);
        if (refresh.code !== 0) return undefined;
        const records = await stored(box);
        const ended = (r: Json) => TERMINAL.includes(records.get(id(r))!.state as string);
        return ended(ends) && ended(quick) ? records : undefined;
      },
      90_000,
      "the job that ended during the outage",
    );
    const seen = (r: Json) => {
      const record = after.get(id(r))!;
      return [record.state, record.exit_code, record.state_detail];
    };
    assert.deepEqual(seen(held), ["queued", null, "JobHeldUser"]);
    assert.deepEqual(seen(long), ["running", null, null]);
    assert.deepEqual(seen(ends), ["failed", 3, null]);
    assert.deepEqual(seen(quick), ["succeeded", 0, null]);
    assert.equal((await clusters(box)).get("slurm")!.last_error, null);
    assert.equal((await box.molq(["cancel", id(held), id(long)])).code, 0);
  },
);

cleanupTest();
