import assert from "node:assert/strict";
import type { TrackedJob } from "./scheduler.ts";
import { parseSacctOutput, parseSqueueOutput } from "./slurm_parse.ts";
import { ARRAY_LOGS_FILE, observeJobs, RowIndex } from "./slurm_observe.ts";
import { gatherJobFiles } from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";

/** observeJobs() over a real snapshot of the jobs' directories. */
async function observe(jobs: TrackedJob[], queued: RowIndex, accounted: RowIndex | null) {
  const files = await gatherJobFiles(localRunner, jobs.map((job) => job.jobDir));
  return observeJobs(jobs, queued, accounted, files);
}

function queue(text: string): RowIndex {
  const index = new RowIndex();
  index.add(parseSqueueOutput(text));
  return index;
}

function accounting(text: string): RowIndex {
  const index = new RowIndex();
  index.add(parseSacctOutput(text));
  return index;
}

async function withJobDir(
  files: Record<string, string>,
  test: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "molq-slurm-observe-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function tracked(
  jobDir: string,
  schedulerJobId: string,
  extra: Partial<TrackedJob> = {},
): TrackedJob {
  return {
    jobId: `molq-${schedulerJobId}`,
    schedulerJobId,
    jobDir,
    state: "queued",
    submittedAt: Date.now(),
    timeLimitSeconds: null,
    arrayTaskId: null,
    ...extra,
  };
}

const S = "1795599421";

Deno.test("observeJobs() takes a queued job's state from squeue alone", async () => {
  await withJobDir({}, async (dir) => {
    const result = await observe(
      [tracked(dir, "4")],
      queue(`4|4|RUNNING|None|${S}|NONE|0:04\n`),
      null,
    );
    assert.deepEqual(result.askAccounting, []);
    assert.deepEqual(result.observations.get("molq-4"), {
      state: "running",
      detail: null,
      startedAt: 1795599421000,
    });
  });
});

Deno.test("observeJobs() completes a FAILED squeue row from the job's exit code file", async () => {
  await withJobDir({ exit_code: "3\n" }, async (dir) => {
    const result = await observe(
      [tracked(dir, "3")],
      queue(`3|3|FAILED|NonZeroExitCode|${S}|${S}|0:00\n`),
      null,
    );
    assert.deepEqual(result.askAccounting, []);
    const seen = result.observations.get("molq-3")!;
    assert.deepEqual([seen.state, seen.exitCode, seen.failureReason], [
      "failed",
      3,
      "Exited with code 3.",
    ]);
  });
});

Deno.test("observeJobs() asks sacct for a FAILED squeue row without an exit code file", async () => {
  await withJobDir({}, async (dir) => {
    const jobs = [tracked(dir, "3")];
    const rows = queue(`3|3|FAILED|NonZeroExitCode|${S}|${S}|0:00\n`);
    assert.deepEqual((await observe(jobs, rows, null)).askAccounting, ["molq-3"]);
    const final = await observe(jobs, rows, accounting(`3|3|FAILED|3:0|${S}|${S}|None\n`));
    assert.equal(final.observations.get("molq-3")?.exitCode, 3);
    const unknown = await observe(jobs, rows, new RowIndex());
    assert.equal(unknown.observations.get("molq-3")?.state, "failed");
    assert.equal(unknown.observations.get("molq-3")?.exitCode, null);
  });
});

Deno.test("observeJobs() reports a captured TIMEOUT as timed_out with SLURM's times", async () => {
  const captured = (name: string) =>
    Deno.readTextFileSync(new URL(`../../testdata/slurm/${name}`, import.meta.url));
  await withJobDir({ started_at: "1795599606\n" }, async (dir) => {
    const job = tracked(dir, "23", { state: "running", timeLimitSeconds: 60 });
    const fromQueue = await observe([job], queue(captured("squeue_timeout_epoch.txt")), null);
    assert.deepEqual(fromQueue.askAccounting, []);
    const seen = fromQueue.observations.get("molq-23")!;
    assert.deepEqual([seen.state, seen.startedAt, seen.finishedAt], [
      "timed_out",
      1795599606000,
      1795599687000,
    ]);
    const purged = tracked(dir, "22", { state: "running" });
    const fromSacct = await observe(
      [purged],
      new RowIndex(),
      accounting(captured("sacct_timeout_epoch.txt")),
    );
    assert.equal(fromSacct.observations.get("molq-22")?.state, "timed_out");
  });
});

Deno.test("observeJobs() resolves a job that left the queue from sacct", async () => {
  await withJobDir({}, async (dir) => {
    const jobs = [tracked(dir, "2", { state: "running" })];
    const empty = new RowIndex();
    assert.deepEqual((await observe(jobs, empty, null)).askAccounting, ["molq-2"]);
    const result = await observe(jobs, empty, accounting(`2|2|COMPLETED|0:0|${S}|${S}|None\n`));
    assert.equal(result.observations.get("molq-2")?.state, "succeeded");
  });
});

Deno.test("observeJobs() ignores a stale non-final sacct row and falls back to the exit code file", async () => {
  await withJobDir({ exit_code: "0\n", started_at: "1795599421\n" }, async (dir) => {
    const stale = accounting(`2|2|RUNNING|0:0|${S}|Unknown|None\n`);
    const result = await observe([tracked(dir, "2")], new RowIndex(), stale);
    assert.equal(result.observations.get("molq-2")?.state, "succeeded");
    assert.equal(result.observations.get("molq-2")?.startedAt, 1795599421000);
  });
  await withJobDir({}, async (dir) => {
    const stale = accounting(`2|2|RUNNING|0:0|${S}|Unknown|None\n`);
    const result = await observe([tracked(dir, "2")], new RowIndex(), stale);
    assert.equal(result.observations.has("molq-2"), false); // no evidence: the reconciler decides
  });
});

Deno.test("observeJobs() reads a cancel marker for a job nobody knows any more", async () => {
  await withJobDir({ cancelled: "1\n" }, async (dir) => {
    const result = await observe([tracked(dir, "5")], new RowIndex(), new RowIndex());
    assert.equal(result.observations.get("molq-5")?.state, "cancelled");
  });
});

Deno.test("observeJobs() reports every task of a tracked array with its log paths", async () => {
  await withJobDir({}, async (dir) => {
    const paths = { stdoutPath: `${dir}/stdout.log`, stderrPath: `${dir}/err`, array: "0-3" };
    await Deno.writeTextFile(`${dir}/${ARRAY_LOGS_FILE}`, JSON.stringify(paths));
    const rows = queue(
      ["6_0|6|PENDING|None|N/A|N/A|0:00", "6_1|6|PENDING|None|N/A|N/A|0:00"].join("\n") +
        `\n6_2|12|RUNNING|None|${S}|NONE|0:01\n6_3|6|PENDING|Resources|N/A|N/A|0:00\n`,
    );
    const result = await observe([tracked(dir, "6")], rows, null);
    assert.deepEqual(result.askAccounting, []);
    assert.deepEqual(result.newArrayTasks.map((task) => [task.taskId, task.schedulerJobId]), [
      ["0", "6_0"],
      ["1", "6_1"],
      ["2", "6_2"],
      ["3", "6_3"],
    ]);
    const task2 = result.newArrayTasks[2]!;
    assert.equal(task2.arrayJobId, "molq-6");
    assert.equal(task2.observation.state, "running");
    assert.equal(task2.stdoutPath, `${dir}/stdout.6_2.log`);
    assert.equal(task2.stderrPath, `${dir}/err.6_2`);
    assert.equal(result.newArrayTasks[3]!.observation.detail, "Resources");
    assert.equal(result.observations.get("molq-6")?.state, "running");
  });
});

Deno.test("observeJobs() asks sacct when some tasks of an array left the queue", async () => {
  await withJobDir({}, async (dir) => {
    const paths = { stdoutPath: `${dir}/o`, stderrPath: `${dir}/e`, array: "0-2" };
    await Deno.writeTextFile(`${dir}/${ARRAY_LOGS_FILE}`, JSON.stringify(paths));
    const jobs = [tracked(dir, "6")];
    const rows = queue(`6_2|12|RUNNING|None|${S}|NONE|0:01\n`);
    assert.deepEqual((await observe(jobs, rows, null)).askAccounting, ["molq-6"]);
    const result = await observe(
      jobs,
      rows,
      accounting(`6_0|10|COMPLETED|0:0|${S}|${S}|None\n6_1|11|FAILED|5:0|${S}|${S}|None\n`),
    );
    const states = result.newArrayTasks.map((task) => [task.taskId, task.observation.state]);
    assert.deepEqual(states.sort(), [["0", "succeeded"], ["1", "failed"], ["2", "running"]]);
  });
});

Deno.test("observeJobs() reads a purged array's tasks from their exit code files", async () => {
  const files = { "exit_code.0": "0\n", "exit_code.1": "7\n", "started_at.1": `${S}\n` };
  await withJobDir(files, async (dir) => {
    const paths = { stdoutPath: `${dir}/o`, stderrPath: `${dir}/e`, array: "0-3" };
    await Deno.writeTextFile(`${dir}/${ARRAY_LOGS_FILE}`, JSON.stringify(paths));
    const result = await observe([tracked(dir, "9")], new RowIndex(), new RowIndex());
    const tasks = result.newArrayTasks.map((task) => [task.taskId, task.observation.state]);
    assert.deepEqual(tasks.sort(), [["0", "succeeded"], ["1", "failed"]]);
    assert.equal(result.newArrayTasks.find((t) => t.taskId === "1")?.observation.exitCode, 7);
    assert.equal(result.observations.get("molq-9")?.state, "running");
  });
});

Deno.test("observeJobs() ends an array cancelled before it split into tasks", async () => {
  await withJobDir({}, async (dir) => {
    const paths = { stdoutPath: `${dir}/o`, stderrPath: `${dir}/e`, array: "0-3" };
    await Deno.writeTextFile(`${dir}/${ARRAY_LOGS_FILE}`, JSON.stringify(paths));
    const result = await observe(
      [tracked(dir, "14")],
      new RowIndex(),
      accounting(`14|14|CANCELLED by 0|0:0|${S}|${S}|None\n`),
    );
    assert.deepEqual(result.newArrayTasks, []);
    assert.equal(result.observations.get("molq-14")?.state, "cancelled");
  });
});

Deno.test("observeJobs() observes a tracked array task by its own id", async () => {
  await withJobDir({ "exit_code.2": "5\n" }, async (dir) => {
    const task = tracked(dir, "6_2", { jobId: "task-2", arrayTaskId: "2" });
    const rows = queue(`6_2|12|FAILED|NonZeroExitCode|${S}|${S}|0:02\n`);
    const result = await observe([task], rows, null);
    assert.equal(result.observations.get("task-2")?.exitCode, 5);
    assert.deepEqual(result.newArrayTasks, []);
  });
});

Deno.test("RowIndex expands collapsed task ranges", () => {
  const index = accounting(
    `8_0|8|COMPLETED|0:0|${S}|${S}|None\n8_[1-3]|8|CANCELLED by 0|0:0|None|${S}|None\n`,
  );
  assert.deepEqual([...index.tasks.get("8")!.keys()], ["0", "1", "2", "3"]);
  assert.equal(index.byId.get("8_3")?.state, "CANCELLED");
  assert.equal(index.byId.get("8_3")?.id, "8_3");
});
