/** The LSF backend end to end against the LSF simulator. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MolqError } from "../src/core/errors.ts";
import { LsfScheduler } from "../src/schedulers/lsf.ts";
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
// One `-W` minute lasts 2 s in the simulator, so run limits are tested for real.
const fast = {
  LSF_SIM_SECONDS_PER_MINUTE: "2",
  LSF_SIM_KILL_DELAY: "1",
  LSF_SIM_CLEAN_PERIOD: "3600",
  LSF_SIM_BHIST: "1",
};

Deno.test("LSF: success and failure with exit code, from one bjobs per pass", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const ok = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("echo hello"), name: "ok" })),
  );
  const bad = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("exit 3"), resources: { cpus: 2 } })),
  );
  assert.match(ok.schedulerJobId, /^\d+$/);
  const report = await pollUntilFinal(lsf, [ok, bad]);
  assert.equal(report.commandCalls, 1);
  assert.equal(report.observations.get(ok.jobId)?.state, "succeeded");
  const failed = report.observations.get(bad.jobId)!;
  assert.deepEqual([failed.state, failed.exitCode, failed.failureReason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.ok(failed.startedAt! > 0 && failed.finishedAt! >= failed.startedAt!);
  assert.match(Deno.readTextFileSync(join(ok.jobDir, "stdout.log")), /^hello\n/);
});

Deno.test("LSF: bkill ends a running job as cancelled", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const job = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("sleep 60") })),
  );
  await pollUntil(lsf, [job], (r) => r.observations.get(job.jobId)?.state === "running");
  await lsf.cancel([job]);
  const final = (await pollUntilFinal(lsf, [job])).observations.get(job.jobId)!;
  assert.deepEqual([final.state, final.exitCode], ["cancelled", 143]);
});

Deno.test("LSF: a run-limit kill (TERM_RUNLIMIT) is timed_out", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const context = submitContext(
    root,
    request({ command: shell("sleep 60"), resources: { timeLimitSeconds: 60 } }),
  );
  const job = await submitTracked(lsf, context);
  const final = (await pollUntilFinal(lsf, [job])).observations.get(job.jobId)!;
  assert.deepEqual([final.state, final.failureReason], [
    "timed_out",
    "Killed by LSF after reaching its run limit.",
  ]);
});

Deno.test("LSF: an array reports every element, with its own paths and outcome", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const command = shell('echo "task $LSB_JOBINDEX"; [ "$LSB_JOBINDEX" != 3 ] || exit 5');
  const parent = await submitTracked(
    lsf,
    submitContext(root, request({ command, scheduling: { array: "1-4" } })),
  );
  const report = await pollUntil(
    lsf,
    [parent],
    (r) =>
      r.newArrayTasks.length === 4 &&
      r.newArrayTasks.every((t) => ["succeeded", "failed"].includes(t.observation.state)),
  );
  const tasks = report.newArrayTasks.sort((a, b) => Number(a.taskId) - Number(b.taskId));
  assert.deepEqual(tasks.map((t) => [t.taskId, t.schedulerJobId, t.observation.exitCode]), [
    ["1", `${parent.schedulerJobId}[1]`, 0],
    ["2", `${parent.schedulerJobId}[2]`, 0],
    ["3", `${parent.schedulerJobId}[3]`, 5],
    ["4", `${parent.schedulerJobId}[4]`, 0],
  ]);
  assert.equal(tasks[1]!.stdoutPath, join(parent.jobDir, "stdout.2.log"));
  assert.match(Deno.readTextFileSync(tasks[1]!.stdoutPath!), /^task 2\n/);
  assert.equal(report.observations.has(parent.jobId), false);
  const task: TrackedJob = {
    ...parent,
    jobId: "task-3",
    schedulerJobId: tasks[2]!.schedulerJobId,
    arrayTaskId: "3",
  };
  assert.equal((await lsf.status([task])).observations.get("task-3")?.state, "failed");
});

Deno.test("LSF: dependencies keep jobs pending, and an impossible one is terminated", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const dep = (
    kind: "afterok" | "afternotok",
    job: TrackedJob,
  ) => [{ kind, jobId: job.jobId, schedulerJobId: job.schedulerJobId }];
  const first = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("sleep 1") })),
  );
  const failing = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("exit 2") })),
  );
  const second = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("true") }), dep("afterok", first)),
  );
  const orphan = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("true") }), dep("afterok", failing)),
  );
  const rescue = await submitTracked(
    lsf,
    submitContext(root, request({ command: shell("true") }), dep("afternotok", failing)),
  );
  const waiting = "Job dependency condition not satisfied";
  await pollUntil(lsf, [second], (r) => r.observations.get(second.jobId)?.detail === waiting);
  const report = await pollUntilFinal(lsf, [first, failing, second, orphan, rescue]);
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
    /dependency can never be satisfied/,
  );
});

Deno.test("LSF: a burst of 32 jobs is answered by one bjobs call per pass", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const bjobs = countingCommand(root, sim.commands.bjobs!);
  const lsf = new LsfScheduler({ commands: { ...sim.commands, bjobs: bjobs.path } });
  const jobs = await Promise.all(
    Array.from(
      { length: 32 },
      (_, i) =>
        submitTracked(lsf, submitContext(root, request({ command: shell(`exit ${i % 2}`) }))),
    ),
  );
  const report = await pollUntilFinal(lsf, jobs, 60_000);
  assert.equal(report.commandCalls, 1);
  const before = bjobs.calls();
  await lsf.status(jobs);
  assert.equal(bjobs.calls(), before + 1);
  jobs.forEach((job, i) => assert.equal(report.observations.get(job.jobId)?.exitCode, i % 2));
});

Deno.test("LSF: a failing, garbage-printing or hanging bjobs or bhist makes status throw", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const job: TrackedJob = {
    jobId: "j",
    schedulerJobId: "1",
    jobDir: root,
    state: "running",
    submittedAt: null,
    timeLimitSeconds: null,
    arrayTaskId: null,
  };
  const notFound =
    `echo '{"COMMAND":"bjobs","JOBS":1,"RECORDS":[{"JOBID":"1","ERROR":"Job <1> is not found"}]}'`;
  const cases = {
    failing: {
      bjobs: writeCommand(
        root,
        "bjobs-failing",
        "echo 'LSF is down. Please wait ...' >&2; exit 255",
      ),
    },
    garbage: { bjobs: writeCommand(root, "bjobs-garbage", "echo 'Segmentation fault'") },
    hanging: { bjobs: writeCommand(root, "bjobs-hanging", "exec sleep 30") },
    bhistFailing: {
      bjobs: writeCommand(root, "bjobs-notfound", notFound),
      bhist: writeCommand(
        root,
        "bhist-failing",
        "echo 'bhist: Failed in an LSF library call' >&2; exit 255",
      ),
    },
    bhistHanging: {
      bjobs: join(root, "bjobs-notfound"),
      bhist: writeCommand(root, "bhist-hanging", "exec sleep 30"),
    },
  };
  for (const [name, commands] of Object.entries(cases)) {
    const lsf = new LsfScheduler({ commands, commandTimeoutMs: 300 });
    await assert.rejects(lsf.status([job]), (error: unknown) => {
      assert.ok(error instanceof MolqError, name);
      assert.match(error.message, /^Cannot query LSF job status: /, name);
      return true;
    });
  }
});

Deno.test("LSF: UNKWN and ZOMBI stay non-final until LSF says more", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const job = await submitTracked(lsf, submitContext(root, request({ command: shell("exit 1") })));
  const force = join(root, "state", "force");
  Deno.mkdirSync(force);
  for (const stat of ["UNKWN", "ZOMBI"]) {
    Deno.writeTextFileSync(join(force, job.schedulerJobId), stat);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const observation = (await lsf.status([job])).observations.get(job.jobId)!;
    assert.equal(observation.state, "running");
    assert.match(observation.detail!, new RegExp(stat));
  }
  Deno.removeSync(join(force, job.schedulerJobId));
  assert.equal((await pollUntilFinal(lsf, [job])).observations.get(job.jobId)?.exitCode, 1);
});

Deno.test("LSF: past CLEAN_PERIOD bhist answers; without bhist the exit-code file does", async () => {
  const sim = startSimulator("lsf", { ...fast, LSF_SIM_CLEAN_PERIOD: "0" });
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  const ok = await submitTracked(lsf, submitContext(root, request({ command: shell("true") })));
  const slow = await submitTracked(
    lsf,
    submitContext(
      root,
      request({ command: shell("sleep 60"), resources: { timeLimitSeconds: 60 } }),
    ),
  );
  const report = await pollUntilFinal(lsf, [ok, slow]);
  assert.equal(report.commandCalls, 2); // bjobs, then one bhist for both
  assert.deepEqual([ok, slow].map((job) => report.observations.get(job.jobId)?.state), [
    "succeeded",
    "timed_out",
  ]);
  const array = request({ command: shell("exit $LSB_JOBINDEX"), scheduling: { array: "1-2" } });
  const parent = await submitTracked(lsf, submitContext(root, array));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  sim.set({ LSF_SIM_BHIST: "0" });
  const purged = await lsf.status([ok, slow, parent]);
  assert.equal(purged.observations.get(ok.jobId)?.state, "succeeded");
  assert.equal(purged.observations.has(slow.jobId), false); // killed before it wrote a code: no evidence
  assert.deepEqual(purged.newArrayTasks.map((t) => [t.schedulerJobId, t.observation.exitCode]), [
    [`${parent.schedulerJobId}[1]`, 1],
    [`${parent.schedulerJobId}[2]`, 2],
  ]);
});

Deno.test("LSF: a rejected bsub is a failure with LSF's words", async () => {
  const sim = startSimulator("lsf", fast);
  const root = sim.root;
  const lsf = new LsfScheduler({ commands: sim.commands });
  await assert.rejects(
    lsf.submit(submitContext(root, request({ scheduling: { partition: "nope" } }))),
    {
      name: "MolqError",
      message: "LSF rejected the job: nope: No such queue. Job not submitted.",
    },
  );
});
