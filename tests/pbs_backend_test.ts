/** The PBS backend end to end against the PBS Pro and Torque simulators. */
import assert from "node:assert/strict";
import { MolqError } from "../src/core/errors.ts";
import { PbsScheduler } from "../src/schedulers/pbs.ts";
import type { TrackedJob } from "../src/schedulers/scheduler.ts";
import {
  countingCommand,
  pollUntil,
  pollUntilFinal,
  request,
  startSimulator,
  submitContext,
  submitTracked,
  writeCommand,
} from "./simulators/harness.ts";

const shell = (command: string) => ({ type: "shell" as const, command });
const fast = { PBS_SIM_KILL_DELAY: "1", TORQUE_SIM_KEEP_COMPLETED: "5" };

Deno.test("PBS Pro: success and failure with exit code, from one qstat per pass", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const ok = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("echo hello") })),
  );
  const bad = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("exit 3"), name: "bad" })),
  );
  assert.match(ok.schedulerJobId, /^\d+\.server$/);
  const report = await pollUntilFinal(pbs, [ok, bad]);
  assert.equal(report.commandCalls, 1);
  assert.equal(report.observations.get(ok.jobId)?.state, "succeeded");
  const failed = report.observations.get(bad.jobId)!;
  assert.deepEqual([failed.state, failed.exitCode, failed.failureReason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.ok(failed.startedAt! > 0 && failed.finishedAt! >= failed.startedAt!);
  assert.equal(Deno.readTextFileSync(`${ok.jobDir}/stdout.log`), "hello\n");
});

Deno.test("PBS Pro: cancel ends a running job as cancelled", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const job = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("sleep 60") })),
  );
  await pollUntil(pbs, [job], (r) => r.observations.get(job.jobId)?.state === "running");
  await pbs.cancel([job]);
  const final = (await pollUntilFinal(pbs, [job])).observations.get(job.jobId)!;
  assert.deepEqual([final.state, final.exitCode], ["cancelled", 143]);
});

Deno.test("PBS Pro: a walltime kill is timed_out", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const context = submitContext(
    root,
    request({ command: shell("sleep 60"), resources: { timeLimitSeconds: 2 } }),
  );
  const job = await submitTracked(pbs, context);
  const final = (await pollUntilFinal(pbs, [job])).observations.get(job.jobId)!;
  assert.equal(final.state, "timed_out");
  assert.equal(final.failureReason, "Killed by PBS after exceeding its walltime limit of 2 s.");
});

Deno.test("PBS Pro: an array reports every task, with its own paths and outcome", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const command = shell('echo "task $PBS_ARRAY_INDEX"; [ "$PBS_ARRAY_INDEX" != 2 ] || exit 5');
  const parent = await submitTracked(
    pbs,
    submitContext(root, request({ command, scheduling: { array: "0-3" } })),
  );
  assert.match(parent.schedulerJobId, /^\d+\[\]\.server$/);
  const report = await pollUntil(
    pbs,
    [parent],
    (r) =>
      r.newArrayTasks.length === 4 &&
      r.newArrayTasks.every((t) =>
        t.observation.state !== "running" &&
        t.observation.state !== "queued"
      ),
  );
  const tasks = report.newArrayTasks.sort((a, b) => Number(a.taskId) - Number(b.taskId));
  assert.deepEqual(tasks.map((t) => [t.taskId, t.observation.state]), [
    ["0", "succeeded"],
    ["1", "succeeded"],
    ["2", "failed"],
    ["3", "succeeded"],
  ]);
  assert.equal(tasks[2]!.observation.exitCode, 5);
  assert.equal(tasks[2]!.schedulerJobId, parent.schedulerJobId.replace("[]", "[2]"));
  assert.equal(Deno.readTextFileSync(tasks[1]!.stdoutPath!), "task 1\n");
  assert.equal(report.observations.has(parent.jobId), false); // the parent follows its tasks
  // A tracked task record is reported by its own job id.
  const task: TrackedJob = {
    ...parent,
    jobId: "task-2",
    schedulerJobId: tasks[2]!.schedulerJobId,
    arrayTaskId: "2",
  };
  const again = await pbs.status([task]);
  assert.equal(again.observations.get("task-2")?.state, "failed");
});

Deno.test("PBS Pro: dependencies hold jobs, and an impossible afterok is deleted", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const first = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("sleep 1") })),
  );
  const failing = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("exit 2") })),
  );
  const dep = (
    kind: "afterok" | "afternotok",
    job: TrackedJob,
  ) => [{ kind, jobId: job.jobId, schedulerJobId: job.schedulerJobId }];
  const second = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("true") }), dep("afterok", first)),
  );
  const orphan = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("true") }), dep("afterok", failing)),
  );
  const rescue = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("true") }), dep("afternotok", failing)),
  );
  await pollUntil(pbs, [second], (r) => r.observations.get(second.jobId)?.detail === "held");
  const report = await pollUntilFinal(pbs, [first, failing, second, orphan, rescue]);
  const state = (job: TrackedJob) => report.observations.get(job.jobId)?.state;
  assert.deepEqual([first, failing, second, orphan, rescue].map(state), [
    "succeeded",
    "failed",
    "succeeded",
    "cancelled",
    "succeeded",
  ]);
  assert.match(
    report.observations.get(orphan.jobId)!.failureReason!,
    /dependency on job \d+\.server/,
  );
  assert.ok(
    report.observations.get(second.jobId)!.startedAt! >=
      report.observations.get(first.jobId)!.finishedAt! - 1000,
  );
});

Deno.test("PBS Pro: a burst of 32 jobs is answered by one qstat call per pass", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const qstat = countingCommand(root, sim.commands.qstat!);
  const pbs = new PbsScheduler({
    flavour: "pro",
    commands: { ...sim.commands, qstat: qstat.path },
  });
  const jobs = await Promise.all(
    Array.from(
      { length: 32 },
      (_, i) =>
        submitTracked(pbs, submitContext(root, request({ command: shell(`exit ${i % 2}`) }))),
    ),
  );
  const report = await pollUntilFinal(pbs, jobs, 60_000);
  assert.equal(report.commandCalls, 1);
  const before = qstat.calls();
  await pbs.status(jobs);
  assert.equal(qstat.calls(), before + 1);
  jobs.forEach((job, i) => assert.equal(report.observations.get(job.jobId)?.exitCode, i % 2));
});

Deno.test("PBS: a failing, garbage-printing or hanging qstat makes status throw", async () => {
  const sim = startSimulator("pbs", fast);
  const root = sim.root;
  const job: TrackedJob = {
    jobId: "j",
    schedulerJobId: "1.server",
    jobDir: root,
    state: "running",
    submittedAt: null,
    timeLimitSeconds: null,
    arrayTaskId: null,
  };
  const fakes = {
    failing: writeCommand(
      root,
      "qstat-failing",
      "echo 'qstat: cannot connect to server pbs (errno=111)' >&2; exit 2",
    ),
    garbage: writeCommand(root, "qstat-garbage", "echo 'Segmentation fault'"),
    empty: writeCommand(root, "qstat-empty", "exit 0"),
    hanging: writeCommand(root, "qstat-hanging", "exec sleep 30"),
  };
  for (const [name, qstat] of Object.entries(fakes)) {
    for (const flavour of ["pro", "torque"] as const) {
      const pbs = new PbsScheduler({ flavour, commands: { qstat }, commandTimeoutMs: 300 });
      await assert.rejects(pbs.status([job]), (error: unknown) => {
        assert.ok(error instanceof MolqError, `${name}/${flavour}`);
        assert.match(error.message, /^Cannot query PBS job status: /);
        return true;
      });
    }
  }
  // Neither PBS Pro nor Torque answers --version: no guess, an error.
  const unknown = new PbsScheduler({ commands: { qstat: fakes.garbage } });
  await assert.rejects(unknown.status([job]), /Cannot tell PBS Pro from Torque/);
});

Deno.test("PBS Pro: with history off, the exit-code file is the only evidence", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "0" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const ok = await submitTracked(pbs, submitContext(root, request({ command: shell("true") })));
  const bad = await submitTracked(pbs, submitContext(root, request({ command: shell("exit 7") })));
  const array = request({ command: shell("exit $PBS_ARRAY_INDEX"), scheduling: { array: "0-2" } });
  const parent = await submitTracked(pbs, submitContext(root, array));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const report = await pollUntilFinal(pbs, [ok, bad]);
  assert.equal(report.observations.get(ok.jobId)?.state, "succeeded");
  assert.equal(report.observations.get(bad.jobId)?.exitCode, 7);
  // The array left qstat before molq saw a task: its tasks come from their exit-code files.
  const tasks = (await pbs.status([parent])).newArrayTasks;
  assert.deepEqual(
    tasks.map((t) => [t.taskId, t.schedulerJobId, t.observation.exitCode]),
    [0, 1, 2]
      .map((i) => [`${i}`, parent.schedulerJobId.replace("[]", `[${i}]`), i]),
  );
  // Without the file there is no evidence at all: nothing is reported (the reconciler decides on lost).
  Deno.removeSync(`${bad.jobDir}/exit_code`);
  assert.equal((await pbs.status([bad])).observations.has(bad.jobId), false);
});

Deno.test("Torque: detected from qstat --version; outcomes, walltime and keep_completed", async () => {
  const sim = startSimulator("torque", { ...fast, TORQUE_SIM_KEEP_COMPLETED: "2" });
  const root = sim.root;
  const qstat = countingCommand(root, sim.commands.qstat!);
  const pbs = new PbsScheduler({ commands: { ...sim.commands, qstat: qstat.path } });
  assert.deepEqual(await Promise.all([pbs.flavour(), pbs.flavour()]), ["torque", "torque"]);
  assert.equal(await pbs.flavour(), "torque");
  assert.equal(qstat.calls(), 1); // detected once
  const parent = await submitTracked(
    pbs,
    submitContext(
      root,
      request({ command: shell("exit $PBS_ARRAYID"), scheduling: { array: "0-1" } }),
    ),
  );
  const arrayDone = await pollUntil(
    pbs,
    [parent],
    (r) =>
      r.newArrayTasks.length === 2 &&
      r.newArrayTasks.every((t) => t.observation.exitCode !== undefined),
  );
  const tasks = arrayDone.newArrayTasks.sort((a, b) => a.taskId.localeCompare(b.taskId));
  assert.deepEqual(tasks.map((t) => [t.taskId, t.observation.exitCode]), [["0", 0], ["1", 1]]);
  assert.match(tasks[1]!.stdoutPath!, /stdout\.log-1$/);
  const ok = await submitTracked(
    pbs,
    submitContext(root, request({ command: shell("true"), resources: { cpus: 2 } })),
  );
  const bad = await submitTracked(pbs, submitContext(root, request({ command: shell("exit 4") })));
  const slow = await submitTracked(
    pbs,
    submitContext(
      root,
      request({ command: shell("sleep 60"), resources: { timeLimitSeconds: 2 } }),
    ),
  );
  assert.match(ok.schedulerJobId, /^\d+\.host$/);
  const report = await pollUntilFinal(pbs, [ok, bad, slow]);
  assert.deepEqual([ok, bad, slow].map((job) => report.observations.get(job.jobId)?.state), [
    "succeeded",
    "failed",
    "timed_out",
  ]);
  // keep_completed passes: qstat forgets the jobs, the exit-code files still answer.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const later = await pbs.status([ok, bad, slow]);
  assert.equal(later.observations.get(ok.jobId)?.state, "succeeded");
  assert.equal(later.observations.get(bad.jobId)?.exitCode, 4);
  assert.equal(later.observations.has(slow.jobId), false); // killed before it wrote a code
});

Deno.test("PBS Pro: a rejected qsub and an unwritable output path are PBS's failures", async () => {
  const sim = startSimulator("pbs", { ...fast, PBS_SIM_HISTORY: "1" });
  const root = sim.root;
  const pbs = new PbsScheduler({ flavour: "pro", commands: sim.commands });
  const wrongQueue = submitContext(root, request({ scheduling: { partition: "nope" } }));
  await assert.rejects(pbs.submit(wrongQueue), {
    name: "MolqError",
    message: "PBS rejected the job: qsub: Unknown queue nope",
  });
  const context = { ...submitContext(root, request()), stdoutPath: "/nonexistent/dir/out.log" };
  const job = await submitTracked(pbs, context);
  const final = (await pollUntilFinal(pbs, [job])).observations.get(job.jobId)!;
  assert.equal(final.state, "failed");
  assert.match(final.failureReason!, /^PBS could not run the job: exit status -1, JOB_EXEC_FAIL1/);
});
