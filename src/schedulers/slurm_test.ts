/**
 * SlurmScheduler against small fake SLURM commands (the commands option): argv, batching,
 * chunking and error handling. tests/slurm_backend_test.ts runs it against a real SLURM.
 */
import assert from "node:assert/strict";
import { MolqError, UsageError } from "../core/errors.ts";
import type { JobRequest } from "../core/job_request.ts";
import type { SubmitContext, TrackedJob } from "./scheduler.ts";
import { chunkIds, MAX_ID_LIST_CHARS, slurmLocalTime, SlurmScheduler } from "./slurm.ts";

interface Fakes {
  dir: string;
  /** Writes an executable sh script and returns its path. */
  fake(name: string, body: string): Promise<string>;
  /** The argument lines a fake recorded with `log`. */
  calls(name: string): Promise<string[]>;
}

async function withFakes(test: (fakes: Fakes) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "molq-slurm-fake-" });
  const fakes: Fakes = {
    dir,
    async fake(name, body) {
      const path = `${dir}/${name}`;
      const log = `printf '%s\\n' "$*" >>${dir}/${name}.calls`;
      await Deno.writeTextFile(path, `#!/bin/sh\n${log}\n${body}\n`, { mode: 0o755 });
      return path;
    },
    async calls(name) {
      try {
        return (await Deno.readTextFile(`${dir}/${name}.calls`)).trim().split("\n");
      } catch {
        return [];
      }
    },
  };
  try {
    await test(fakes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function job(id: string, dir: string, submittedAt: number | null = Date.now()): TrackedJob {
  return {
    jobId: `molq-${id}`,
    schedulerJobId: id,
    jobDir: dir,
    state: "queued",
    submittedAt,
    timeLimitSeconds: null,
    arrayTaskId: null,
  };
}

function request(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    command: { type: "argv", argv: ["true"] },
    workdir: "/tmp",
    env: {},
    resources: {},
    scheduling: {},
    dependencies: [],
    metadata: {},
    extraArgs: [],
    ...overrides,
  };
}

Deno.test("SlurmScheduler.status() asks squeue once, with -t all -r and epoch times", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const squeue = await fake(
      "squeue",
      `echo "SLURM_TIME_FORMAT=$SLURM_TIME_FORMAT" >${dir}/env\nprintf '1|1|RUNNING|None|1795599421|NONE|0:04\\n2|2|PENDING|Priority|N/A|N/A|0:00\\n'`,
    );
    const scheduler = new SlurmScheduler({ commands: { squeue } });
    const report = await scheduler.status([job("1", dir), job("2", dir), job("1", dir)]);
    assert.equal(report.commandCalls, 1);
    assert.deepEqual(await calls("squeue"), ["-h -t all -r -o %i|%A|%T|%r|%S|%e|%M -j 1,2"]);
    assert.equal((await Deno.readTextFile(`${dir}/env`)).trim(), "SLURM_TIME_FORMAT=%s");
    assert.equal(report.observations.get("molq-1")?.state, "running");
    assert.equal(report.observations.get("molq-2")?.detail, "Priority");
  });
});

Deno.test("SlurmScheduler.status() treats squeue's invalid-id error as not queued", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const squeue = await fake(
      "squeue",
      "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
    );
    const sacct = await fake("sacct", "echo '7|7|FAILED|3:0|1795599421|1795599421|None'");
    const scheduler = new SlurmScheduler({ commands: { squeue, sacct } });
    const report = await scheduler.status([job("7", dir)]);
    assert.equal(report.commandCalls, 2);
    assert.equal(report.observations.get("molq-7")?.exitCode, 3);
    const [sacctArgs] = await calls("sacct");
    assert.match(
      sacctArgs!,
      /^-X -P -n --format=JobID,JobIDRaw,State,ExitCode,Start,End,Reason -S \S+ -E now -j 7$/,
    );
  });
});

Deno.test("SlurmScheduler.status() throws, naming squeue, when slurmctld is down", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const captured = new URL(
      "../../testdata/slurm/squeue_controller_down.stderr.txt",
      import.meta.url,
    );
    const squeue = await fake("squeue", `cat '${captured.pathname}' >&2; exit 1`);
    const sacct = await fake("sacct", "exit 0");
    await assert.rejects(
      () => new SlurmScheduler({ commands: { squeue, sacct } }).status([job("1", dir)]),
      new MolqError(
        "Cannot query SLURM: squeue failed with exit code 1: slurm_load_jobs error: Unable to contact slurm controller (connect failure).",
      ),
    );
    assert.deepEqual(await calls("sacct"), []); // no state is derived from half an answer
  });
});

Deno.test("SlurmScheduler.status() chunks sacct: ceil(n / chunk) calls", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const squeue = await fake("squeue", "exit 0");
    const sacct = await fake("sacct", "exit 0");
    const scheduler = new SlurmScheduler({ commands: { squeue, sacct }, sacctChunkSize: 40 });
    const jobs = Array.from({ length: 101 }, (_, i) => job(String(1000 + i), dir));
    const report = await scheduler.status(jobs);
    assert.equal(report.commandCalls, 1 + 3);
    assert.equal((await calls("squeue")).length, 1);
    const lists = (await calls("sacct")).map((line) => line.split(" -j ")[1]!.split(","));
    assert.deepEqual(lists.map((ids) => ids.length), [40, 40, 21]);
    assert.equal(report.observations.size, 0);
  });
});

Deno.test("SlurmScheduler.status() windows sacct from the oldest submission", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const squeue = await fake("squeue", "exit 0");
    const sacct = await fake("sacct", "exit 0");
    const scheduler = new SlurmScheduler({ commands: { squeue, sacct }, accountingWindowDays: 3 });
    const day = 86_400_000;
    const now = Date.now();
    await scheduler.status([job("1", dir, now - 5 * day), job("2", dir, now - day)]);
    await scheduler.status([job("3", dir, null)]);
    const starts = (await calls("sacct")).map((line) => / -S (\S+) /.exec(line)![1]!);
    // One day of margin before the oldest submission; three days back when it is unknown.
    // (Compared to the second, give or take one: the clock may tick between the two reads.)
    const expected = [now - 6 * day, now - 4 * day];
    assert.equal(starts.length, 2);
    starts.forEach((start, i) => {
      const drift = Math.abs(
        new Date(start).getTime() - new Date(slurmLocalTime(expected[i]!)).getTime(),
      );
      assert.ok(drift <= 2_000, `${start} vs ${slurmLocalTime(expected[i]!)}`);
    });
  });
});

Deno.test("SlurmScheduler.status() does without accounting where it is disabled", async () => {
  await withFakes(async ({ fake, dir }) => {
    const squeue = await fake("squeue", "exit 0");
    const sacct = await fake("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1");
    await Deno.writeTextFile(`${dir}/exit_code`, "0\n");
    const scheduler = new SlurmScheduler({ commands: { squeue, sacct } });
    const report = await scheduler.status([job("5", dir)]);
    assert.equal(report.commandCalls, 2);
    assert.equal(report.observations.get("molq-5")?.state, "succeeded");
  });
});

Deno.test("SlurmScheduler.status() throws when sacct fails for another reason", async () => {
  await withFakes(async ({ fake, dir }) => {
    const squeue = await fake("squeue", "exit 0");
    const sacct = await fake(
      "sacct",
      "echo 'sacct: error: Problem talking to the database: Connection refused' >&2; exit 1",
    );
    const scheduler = new SlurmScheduler({ commands: { squeue, sacct } });
    await assert.rejects(
      () => scheduler.status([job("5", dir)]),
      (error: Error) =>
        error instanceof MolqError &&
        /sacct failed with exit code 1: .*Connection refused/.test(error.message),
    );
  });
});

Deno.test("SlurmScheduler.submit() passes extra args before the script and reads ID;cluster", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const sbatch = await fake("sbatch", "echo '4242;molqdev'");
    const scheduler = new SlurmScheduler({ commands: { sbatch } });
    const context: SubmitContext = {
      jobId: "j1",
      jobDir: dir,
      request: request({ extraArgs: ["--hold", "--comment=a b"] }),
      stdoutPath: `${dir}/stdout.log`,
      stderrPath: `${dir}/stderr.log`,
      dependencies: [],
    };
    assert.deepEqual(await scheduler.submit(context), { schedulerJobId: "4242" });
    assert.deepEqual(await calls("sbatch"), [`--parsable --hold --comment=a b ${dir}/job.sh`]);
    assert.equal((await Deno.stat(`${dir}/job.sh`)).mode! & 0o777, 0o700);
  });
});

Deno.test("SlurmScheduler.submit() surfaces sbatch's rejection as one sentence", async () => {
  await withFakes(async ({ fake, dir }) => {
    const sbatch = await fake(
      "sbatch",
      "echo 'sbatch: error: invalid partition specified: nosuch' >&2\necho 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2\nexit 1",
    );
    const context: SubmitContext = {
      jobId: "j1",
      jobDir: dir,
      request: request(),
      stdoutPath: `${dir}/o`,
      stderrPath: `${dir}/e`,
      dependencies: [],
    };
    await assert.rejects(
      () => new SlurmScheduler({ commands: { sbatch } }).submit(context),
      new MolqError("Batch job submission failed: Invalid partition name specified."),
    );
  });
});

Deno.test("SlurmScheduler.submit() says a timed-out sbatch may have submitted the job", async () => {
  await withFakes(async ({ fake, dir }) => {
    const sbatch = await fake("sbatch", "exec sleep 5");
    const scheduler = new SlurmScheduler({ commands: { sbatch }, commandTimeoutMs: 300 });
    const context: SubmitContext = {
      jobId: "j1",
      jobDir: dir,
      request: request(),
      stdoutPath: `${dir}/o`,
      stderrPath: `${dir}/e`,
      dependencies: [],
    };
    await assert.rejects(() => scheduler.submit(context), /may have been submitted anyway/);
  });
});

Deno.test("SlurmScheduler.cancel() cancels all ids in one scancel call", async () => {
  await withFakes(async ({ fake, calls, dir }) => {
    const scancel = await fake("scancel", "exit 0");
    await new SlurmScheduler({ commands: { scancel } }).cancel([
      job("1", dir),
      job("2", dir),
      { ...job("8_2", dir), arrayTaskId: "2" },
    ]);
    assert.deepEqual(await calls("scancel"), ["1 2 8_2"]);
  });
});

Deno.test("SlurmScheduler.cancel() throws when scancel refuses", async () => {
  await withFakes(async ({ fake, dir }) => {
    const scancel = await fake(
      "scancel",
      "echo 'scancel: error: Kill job error on job id 5: Access/permission denied' >&2; exit 210",
    );
    await assert.rejects(
      () => new SlurmScheduler({ commands: { scancel } }).cancel([job("5", dir)]),
      (error: Error) => error instanceof MolqError && /permission denied/.test(error.message),
    );
  });
});

Deno.test("SlurmScheduler.validate() accepts every field and refuses unrenderable values", () => {
  const scheduler = new SlurmScheduler();
  scheduler.validate(request({
    resources: { cpus: 2, memoryBytes: 1024, timeLimitSeconds: 60, gpus: 1, gpuType: "a100" },
    scheduling: { partition: "p", account: "a", qos: "q", reservation: "r", array: "0-3" },
    dependencies: [{ kind: "afterstart", jobId: "x" }],
    extraArgs: ["--hold"],
  }));
  assert.throws(() => scheduler.validate(request({ name: "a\nb" })), UsageError);
  assert.throws(
    () => scheduler.validate(request({ scheduling: { array: "zero to ten" } })),
    UsageError,
  );
});

Deno.test("chunkIds() keeps each -j list under the argument size limit", () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => String(10_000_000 + i));
  const chunks = chunkIds(ids, Infinity);
  assert.ok(chunks.length > 1);
  assert.deepEqual(chunks.flat(), ids);
  for (const chunk of chunks) assert.ok(chunk.join(",").length <= MAX_ID_LIST_CHARS);
  assert.ok(MAX_ID_LIST_CHARS < 131_072, "Linux refuses a longer single argument");
  assert.equal(chunkIds(ids.slice(0, 10_000), Infinity).length, 1);
  assert.deepEqual(chunkIds(["1", "2", "3"], 2), [["1", "2"], ["3"]]);
  assert.deepEqual(chunkIds([], 2), []);
});
