import assert from "node:assert/strict";
import { join } from "node:path";
import { renderJobScript } from "./job_script.ts";
import { STAGING_DIR } from "./job_files.ts";
import { gatherJobFiles } from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";
import { runCommand } from "../process/run_command.ts";

/** Runs a local wrapper for `command` in a job directory made as molq makes it. */
async function runWrapper(
  command: string,
  options: { arrayTask?: string; makeStaging?: boolean } = {},
): Promise<{ dir: string; pid: number }> {
  const dir = Deno.makeTempDirSync({ prefix: "molq-job-script-" });
  if (options.makeStaging ?? true) Deno.mkdirSync(join(dir, STAGING_DIR));
  const script = renderJobScript({
    jobId: "j",
    jobDir: dir,
    workdir: dir,
    command: { type: "shell", command },
    env: {},
    redirect: { stdoutPath: join(dir, "out"), stderrPath: join(dir, "err") },
    schedulerIdExpression: options.arrayTask ? undefined : "$$",
    arrayTaskVariable: options.arrayTask ? "MOLQ_TEST_TASK" : undefined,
    recordHost: !options.arrayTask,
    supervise: { timeLimitSeconds: null, killGraceSeconds: 1 },
    sampleMemory: true,
  });
  Deno.writeTextFileSync(join(dir, "job.sh"), script);
  const env = options.arrayTask ? { MOLQ_TEST_TASK: options.arrayTask } : undefined;
  // `echo $$` from the wrapper's own shell: its pid, as the local backend records it.
  const run = await runCommand(
    ["setsid", "-w", "/bin/sh", "-c", 'echo $$; exec /bin/sh "$1"', "wrapper", `${dir}/job.sh`],
    { env: env && { ...Deno.env.toObject(), ...env }, timeoutMs: 30_000, allowFailure: true },
  );
  return { dir, pid: Number(run.stdout.trim()) };
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

Deno.test("a job script publishes its evidence whole, the staging directory unread", async () => {
  const { dir, pid } = await runWrapper("echo hi; exit 7");
  try {
    assert.deepEqual(names(dir), [
      STAGING_DIR,
      "cpu_times",
      "err",
      "exit_code",
      "finished_at",
      "host",
      "job.sh",
      "out",
      "scheduler_id",
      "started_at",
    ]);
    const read = (name: string) => Deno.readTextFileSync(join(dir, name));
    assert.equal(read("out"), "hi\n");
    assert.equal(read("err"), "", "the wrapper itself said nothing");
    assert.equal(read("exit_code"), "7\n");
    assert.equal(read("scheduler_id"), `${pid}\n`);
    assert.match(read("host"), new RegExp(`^${Deno.hostname()} [0-9a-f-]{36}\n$`));
    const started = Number(read("started_at"));
    const finished = Number(read("finished_at"));
    assert.ok(started > Date.now() - 60_000 && started <= finished, `${started} ${finished}`);
    assert.ok(started % 1000 !== 0 || finished % 1000 !== 0, "millisecond precision");
    assert.match(read("cpu_times"), /^\d+m[\d.]+s \d+m[\d.]+s\n$/);
    // Only the raw `times` output stays behind, where the evidence step does not look.
    assert.deepEqual(names(join(dir, STAGING_DIR)), ["times"]);
    const snapshot = await gatherJobFiles(localRunner, [dir]);
    assert.equal(snapshot.text(dir, "exit_code"), "7");
    assert.equal(snapshot.text(dir, "times"), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("an array task's script publishes its own files, and makes a missing staging directory", async () => {
  const { dir } = await runWrapper("exit 0", { arrayTask: "3", makeStaging: false });
  try {
    assert.deepEqual(names(dir), [
      STAGING_DIR,
      "cpu_times.3",
      "err.3",
      "exit_code.3",
      "finished_at.3",
      "job.sh",
      "out.3",
      "started_at.3",
    ]);
    assert.equal(Deno.readTextFileSync(join(dir, "exit_code.3")), "0\n");
    assert.equal(Deno.readTextFileSync(join(dir, "err.3")), "");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
