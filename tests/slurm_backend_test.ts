/**
 * SlurmScheduler against a REAL SLURM 22.05 (scripts/slurm-dev-cluster.sh): submit, status
 * and cancel called directly. The cluster is started when it is not up, and stopped again
 * at the end if this file started it. Without SLURM these tests FAIL; set
 * MOLQ_SLURM_TESTS=skip to skip them.
 */
import assert from "node:assert/strict";
import { MolqError } from "../src/core/errors.ts";
import { isTerminal } from "../src/core/job_state.ts";
import { runCommand } from "../src/process/run_command.ts";
import type { StatusReport } from "../src/schedulers/scheduler.ts";
import { type SlurmOptions, SlurmScheduler } from "../src/schedulers/slurm.ts";
import {
  allFinal,
  cleanUp,
  cluster,
  fakeCommand,
  ROOT,
  sh,
  SKIP,
  slurmTest,
  submit,
  type Submitted,
  waitFor,
  waitUntilPurged,
} from "./slurm_cluster.ts";

slurmTest("SlurmScheduler runs a job with hostile names and values exactly as given", async () => {
  const scheduler = new SlurmScheduler();
  const workdir = `${ROOT}/work dir 'q' "dq" $(id) ; naïve`;
  await Deno.mkdir(workdir);
  const name = `it's "x" $(id) \`id\` ; # packjob -p evil naïve 名前`;
  const value = `a'b "c" $(id) \`id\` ; & | naïve 🚀`;
  const arg = `-x; $(id) 'q' "dq" --partition=evil`;
  const job = await submit(scheduler, {
    name,
    command: sh('printf "%s\\n" "$MOLQ_HOSTILE" "$1" "$PWD"; echo oops >&2', arg),
    env: { MOLQ_HOSTILE: value },
    workdir,
    resources: { cpus: 2, memoryBytes: 64 * 1024 ** 2, timeLimitSeconds: 150 },
    scheduling: { partition: "debug" },
    extraArgs: ["--hold", "--comment=molq backend test"],
  }, { stdoutPath: `${workdir}/out 100%.log` });
  const fields = await runCommand([
    "squeue",
    "-h",
    "-o",
    "%j@@%Z@@%C@@%m@@%l@@%P@@%k",
    "-j",
    job.schedulerJobId,
  ]);
  assert.deepEqual(fields.stdout.trim().split("@@"), [
    name,
    workdir,
    "2",
    "64M",
    "3:00",
    "debug",
    "molq backend test",
  ]);
  const held = await scheduler.status([job]);
  assert.deepEqual(held.observations.get(job.jobId), { state: "queued", detail: "JobHeldUser" });
  await runCommand(["scontrol", "release", job.schedulerJobId]);
  const done = await waitFor(scheduler, [job], allFinal([job]));
  const seen = done.observations.get(job.jobId)!;
  assert.equal(seen.state, "succeeded");
  assert.equal(seen.exitCode, 0);
  assert.ok(seen.startedAt! > 0 && seen.finishedAt! >= seen.startedAt!);
  const out = await Deno.readTextFile(`${workdir}/out 100%.log`);
  assert.equal(out, `${value}\n${arg}\n${workdir}\n`);
  assert.equal(await Deno.readTextFile(`${job.jobDir}/stderr.log`), "oops\n");
});

slurmTest("SlurmScheduler reports exit 3 as failed with exit code 3", async () => {
  const scheduler = new SlurmScheduler();
  const job = await submit(scheduler, { command: sh("exit 3") });
  const report = await waitFor(scheduler, [job], allFinal([job]));
  const seen = report.observations.get(job.jobId)!;
  assert.deepEqual([seen.state, seen.exitCode, seen.failureReason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
});

slurmTest("SlurmScheduler cancels a running and a pending job", async () => {
  const scheduler = new SlurmScheduler();
  const running = await submit(scheduler, { command: sh("sleep 300") });
  const pending = await submit(scheduler, { command: sh("sleep 300"), extraArgs: ["--hold"] });
  await waitFor(
    scheduler,
    [running],
    (r) => r.observations.get(running.jobId)?.state === "running",
  );
  await scheduler.cancel([running, pending]);
  const report = await waitFor(scheduler, [running, pending], allFinal([running, pending]));
  for (const job of [running, pending]) {
    const seen = report.observations.get(job.jobId)!;
    assert.equal(seen.state, "cancelled");
    assert.match(seen.failureReason!, /^Cancelled( by uid \d+)?\.$/);
  }
  assert.ok(report.observations.get(running.jobId)!.startedAt! > 0);
  assert.equal(report.observations.get(pending.jobId)!.startedAt ?? null, null);
});

slurmTest("SlurmScheduler reports every task of an array with one failing task", async () => {
  const scheduler = new SlurmScheduler();
  const array = await submit(scheduler, {
    command: sh('echo "task $SLURM_ARRAY_TASK_ID"; [ "$SLURM_ARRAY_TASK_ID" != 2 ] || exit 5'),
    scheduling: { array: "0-3" },
  });
  const report = await waitFor(scheduler, [array], (r) =>
    r.newArrayTasks.length === 4 &&
    r.newArrayTasks.every((task) => isTerminal(task.observation.state)));
  const id = array.schedulerJobId;
  const tasks = report.newArrayTasks.toSorted((a, b) => a.taskId.localeCompare(b.taskId));
  assert.deepEqual(
    tasks.map((t) => [t.arrayJobId, t.taskId, t.schedulerJobId, t.observation.state]),
    [
      [array.jobId, "0", `${id}_0`, "succeeded"],
      [array.jobId, "1", `${id}_1`, "succeeded"],
      [array.jobId, "2", `${id}_2`, "failed"],
      [array.jobId, "3", `${id}_3`, "succeeded"],
    ],
  );
  assert.equal(tasks[2]!.observation.exitCode, 5);
  for (const task of tasks) {
    assert.equal(task.stdoutPath, `${array.jobDir}/stdout.${id}_${task.taskId}.log`);
    assert.equal(await Deno.readTextFile(task.stdoutPath!), `task ${task.taskId}\n`);
    assert.equal(task.stderrPath, `${array.jobDir}/stderr.${id}_${task.taskId}.log`);
  }
  // A task's own record is observed by its task id.
  const task2 = { ...array, jobId: "task-2", schedulerJobId: `${id}_2`, arrayTaskId: "2" };
  const own = await scheduler.status([task2]);
  assert.equal(own.observations.get("task-2")?.exitCode, 5);
});

slurmTest("SlurmScheduler renders dependencies, including one that can never be met", async () => {
  const scheduler = new SlurmScheduler();
  const first = await submit(scheduler, { command: sh("sleep 1") });
  const broken = await submit(scheduler, { command: sh("exit 1") });
  const dep = (kind: "afterok" | "afternotok", job: Submitted) => ({
    kind,
    jobId: job.jobId,
    schedulerJobId: job.schedulerJobId,
  });
  const next = await submit(scheduler, {}, { dependencies: [dep("afterok", first)] });
  const never = await submit(scheduler, {}, { dependencies: [dep("afterok", broken)] });
  const onFailure = await submit(scheduler, {}, { dependencies: [dep("afternotok", broken)] });
  const queued = await scheduler.status([next]);
  assert.equal(queued.observations.get(next.jobId)?.detail, "Dependency");
  const jobs = [first, broken, next, never, onFailure];
  const report = await waitFor(
    scheduler,
    jobs,
    (r) =>
      allFinal([first, broken, next, onFailure])(r) &&
      r.observations.get(never.jobId)?.detail === "DependencyNeverSatisfied: will never run",
  );
  assert.equal(report.observations.get(next.jobId)?.state, "succeeded");
  assert.equal(report.observations.get(onFailure.jobId)?.state, "succeeded");
  assert.equal(report.observations.get(never.jobId)?.state, "queued");
  await scheduler.cancel([never]);
  await waitFor(scheduler, [never], allFinal([never]));
});

slurmTest("SlurmScheduler explains a launch failure (missing output directory)", async () => {
  const scheduler = new SlurmScheduler();
  const job = await submit(scheduler, {}, { stdoutPath: `${ROOT}/no-such-dir/out.log` });
  const report = await waitFor(scheduler, [job], allFinal([job]));
  const seen = report.observations.get(job.jobId)!;
  assert.equal(seen.state, "failed");
  assert.match(seen.failureReason!, /could not launch the job \(JobLaunchFailure\)/);
});

slurmTest(
  "SlurmScheduler resolves jobs purged before the first poll (sacct, then exit-code files)",
  async () => {
    const scheduler = new SlurmScheduler();
    const ok = await submit(scheduler, { command: sh("exit 0") });
    const failed = await submit(scheduler, { command: sh("exit 4") });
    const array = await submit(scheduler, {
      command: sh('[ "$SLURM_ARRAY_TASK_ID" != 1 ] || exit 6'),
      scheduling: { array: "0-1" },
    });
    const held = await submit(scheduler, { extraArgs: ["--hold"] });
    await scheduler.cancel([held]);
    const jobs = [ok, failed, array, held];
    await waitUntilPurged(jobs.map((job) => job.schedulerJobId));
    const check = (report: StatusReport) => {
      assert.equal(report.commandCalls, 2); // one squeue, one sacct
      assert.equal(report.observations.get(ok.jobId)?.state, "succeeded");
      assert.equal(report.observations.get(failed.jobId)?.exitCode, 4);
      assert.equal(report.observations.get(held.jobId)?.state, "cancelled");
      const tasks = report.newArrayTasks.map((
        t,
      ) => [t.taskId, t.observation.state, t.observation.exitCode]);
      assert.deepEqual(tasks.sort(), [["0", "succeeded", 0], ["1", "failed", 6]]);
    };
    if (cluster.accountingOn) check(await scheduler.status(jobs)); // from sacct
    const sacct = await fakeCommand(
      "sacct",
      "echo 'Slurm accounting storage is disabled' >&2; exit 1",
    );
    check(await new SlurmScheduler({ commands: { sacct } }).status(jobs)); // from the jobs' files
  },
);

slurmTest("SlurmScheduler.status() throws when squeue fails, prints garbage or hangs", async () => {
  const scheduler = new SlurmScheduler();
  const job = await submit(scheduler, { extraArgs: ["--hold"] });
  const fakes: [string, string, RegExp][] = [
    [
      "down",
      "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1",
      /squeue failed with exit code 1: slurm_load_jobs error: Unable to contact slurm controller/,
    ],
    ["garbage", "echo '<html>Bad Gateway</html>'", /squeue printed a line molq cannot read/],
    [
      "half-garbage",
      `echo '${job.schedulerJobId}|${job.schedulerJobId}|PENDING|JobHeldUser|N/A|N/A|0:00'; echo 'Segmentation fault'`,
      /squeue printed a line molq cannot read: "Segmentation fault"/,
    ],
    ["hanging", "exec sleep 30", /squeue did not answer within 1 s/],
    ["missing", "exit 0", /command not found/],
  ];
  for (const [kind, body, message] of fakes) {
    const squeue = kind === "missing" ? `${ROOT}/no-such-squeue` : await fakeCommand(kind, body);
    const options: SlurmOptions = { commands: { squeue }, commandTimeoutMs: 1000 };
    await assert.rejects(
      () => new SlurmScheduler(options).status([job]),
      (error: Error) => error instanceof MolqError && message.test(error.message),
      kind,
    );
  }
  await scheduler.cancel([job]);
});

slurmTest("SlurmScheduler answers a burst of 100 submissions with one squeue call", async () => {
  const counter = `${ROOT}/squeue-calls`;
  const squeue = await fakeCommand("counting-squeue", `echo call >>'${counter}'\nexec squeue "$@"`);
  const scheduler = new SlurmScheduler({ commands: { squeue } });
  const jobs: Submitted[] = [];
  const started = performance.now();
  for (let wave = 0; wave < 10; wave++) {
    const batch = Array.from({ length: 10 }, () => submit(scheduler, { extraArgs: ["--hold"] }));
    jobs.push(...await Promise.all(batch));
  }
  const submitMs = performance.now() - started;
  const polled = performance.now();
  const report = await scheduler.status(jobs);
  const statusMs = performance.now() - polled;
  assert.equal(report.commandCalls, 1);
  assert.equal((await Deno.readTextFile(counter)).trim().split("\n").length, 1);
  assert.equal(report.observations.size, 100);
  for (const job of jobs) assert.equal(report.observations.get(job.jobId)?.detail, "JobHeldUser");
  await scheduler.cancel(jobs);
  const cancelled = await waitFor(scheduler, jobs, allFinal(jobs));
  assert.ok(jobs.every((job) => cancelled.observations.get(job.jobId)?.state === "cancelled"));
  console.log(
    `100 submissions: ${Math.round(submitMs)} ms; one status pass: ${Math.round(statusMs)} ms`,
  );
});

slurmTest("SlurmScheduler.submit() surfaces sbatch's rejection", async () => {
  const scheduler = new SlurmScheduler();
  await assert.rejects(
    () => submit(scheduler, { scheduling: { partition: "nosuch" } }),
    new MolqError("Batch job submission failed: Invalid partition name specified."),
  );
});

Deno.test({
  name: "SLURM tests clean up (the cluster is stopped if these tests started it)",
  ignore: SKIP,
  fn: cleanUp,
});
