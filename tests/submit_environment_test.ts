/**
 * End to end: a job that a later molq process starts (a held job, a retry, a restarted
 * array launcher) runs with its submitter's environment, not that process's. Each test
 * submits with ORIGIN=submitter and lets only processes with ORIGIN=cron (and cron's
 * PATH) start the job later; the job writes what it got.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, exitCodeWritten, sandbox } from "./_molq.ts";
import { exists } from "../src/testing/exists.ts";

type Json = Record<string, unknown>;

const SUBMITTER = { ORIGIN: "submitter", PATH: `/opt/submitter/bin:${Deno.env.get("PATH")}` };
const CRON = { ORIGIN: "cron", PATH: "/usr/bin:/bin" };
/** Appends the job's ORIGIN and the first entry of its PATH to `file`. */
const record = (file: string) => `printf '%s %s\\n' "$ORIGIN" "\${PATH%%:*}" >> '${file}'`;

function jobDir(job: Json): string {
  return (job.metadata as Record<string, string>)["molq.job_dir"]!;
}

Deno.test("a held job starts with its submitter's environment, not the releasing process's", async () => {
  const box = sandbox();
  const seen = join(box.cwd, "seen");
  const upstream = await box.json<Json>(["submit", "local", "--", "sleep", "1"]);
  const submitted = await box.molq(
    [
      "submit",
      "local",
      "--json",
      "--after-ok",
      upstream.job_id as string,
      "--command",
      record(seen),
    ],
    { env: SUBMITTER },
  );
  assert.equal(submitted.code, 0, submitted.stderr);
  const held = JSON.parse(submitted.stdout) as Json;
  assert.equal(held.state, "queued");
  const kept = join(jobDir(held), "environment");
  assert.equal(Deno.statSync(kept).mode! & 0o777, 0o600, "kept privately");
  assert.match(Deno.readTextFileSync(kept), /(^|\0)ORIGIN=submitter\0/);
  // The upstream ends with no pass run; only the "cron" process's pass releases the job.
  await exitCodeWritten(box, upstream.job_id as string);
  const watch = await box.molq(["watch", held.job_id as string, "--poll", "fixed:250ms"], {
    env: CRON,
  });
  assert.equal(watch.code, 0, watch.stderr);
  assert.equal(Deno.readTextFileSync(seen), "submitter /opt/submitter/bin\n");
});

Deno.test("a retry runs with the environment its first attempt was submitted with", async () => {
  const box = sandbox();
  const seen = join(box.cwd, "seen");
  const marker = join(box.cwd, "ran-once");
  const command = `${record(seen)}; [ -e '${marker}' ] || { : > '${marker}'; exit 3; }`;
  const submitted = await box.molq(
    ["submit", "local", "--json", "--retries", "2", "--retry-backoff", "1s", "--command", command],
    { env: SUBMITTER },
  );
  assert.equal(submitted.code, 0, submitted.stderr);
  const first = JSON.parse(submitted.stdout) as Json;
  await exitCodeWritten(box, first.job_id as string);
  // The failure, the next attempt and its hand-over are all this process's passes.
  const watch = await box.molq(
    ["watch", first.job_id as string, "--poll", "fixed:250ms", "--json"],
    {
      env: CRON,
    },
  );
  assert.equal(watch.code, 0, watch.stderr);
  const [final] = JSON.parse(watch.stdout) as Json[];
  assert.equal(final!.attempt, 2);
  assert.equal(final!.state, "succeeded");
  assert.equal(Deno.readTextFileSync(seen), "submitter /opt/submitter/bin\n".repeat(2));
  const copied = Deno.readTextFileSync(join(jobDir(final!), "environment"));
  assert.match(copied, /(^|\0)ORIGIN=submitter\0/, "the second attempt keeps it too");
});

Deno.test("a restarted array launcher starts the remaining tasks with the submitter's environment", async () => {
  const box = sandbox();
  const seen = join(box.cwd, "seen");
  const submitted = await box.molq(
    ["submit", "local", "--json", "--array", "0-2%1", "--command", `${record(seen)}; sleep 1`],
    { env: SUBMITTER },
  );
  assert.equal(submitted.code, 0, submitted.stderr);
  const array = JSON.parse(submitted.stdout) as Json;
  const dir = jobDir(array);
  await eventually(() => exists(join(dir, "started_at.0")) || undefined, 15_000, "task 0");
  Deno.kill(Number(array.scheduler_job_id), "SIGKILL");
  const watch = await box.molq(["watch", array.job_id as string, "--poll", "fixed:250ms"], {
    env: CRON,
  });
  assert.equal(watch.code, 0, watch.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "launcher_restarts")).trim(), "1");
  assert.equal(Deno.readTextFileSync(seen), "submitter /opt/submitter/bin\n".repeat(3));
});

Deno.test("a job that starts at once keeps no environment: it inherits its submitter's", async () => {
  const box = sandbox();
  const seen = join(box.cwd, "seen");
  const submitted = await box.molq(["submit", "local", "--json", "--command", record(seen)], {
    env: SUBMITTER,
  });
  assert.equal(submitted.code, 0, submitted.stderr);
  const job = JSON.parse(submitted.stdout) as Json;
  await exitCodeWritten(box, job.job_id as string);
  assert.equal(Deno.readTextFileSync(seen), "submitter /opt/submitter/bin\n");
  assert.equal(exists(join(jobDir(job), "environment")), false);
});
