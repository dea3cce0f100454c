import assert from "node:assert/strict";
import { sampleRecord } from "../testing/sample_record.ts";
import {
  describeCounts,
  notificationEnvironment,
  notificationMail,
  notificationSummary,
} from "./notify_message.ts";

const record = sampleRecord({
  jobId: "3f2a91c0-0000-4000-8000-000000000000",
  name: "train",
  state: "failed",
  exitCode: 3,
  failureReason: "Exited with code 3.",
  cluster: "hpc",
  scheduler: "slurm",
  schedulerJobId: "4242",
  startedAt: 1_000,
  finishedAt: 61_000,
  runLabel: "sweep",
  metadata: { "molq.stdout_path": "/jobs/x/stdout.log", "molq.stderr_path": "/jobs/x/stderr.log" },
});

Deno.test("notificationEnvironment() carries the job's facts in MOLQ_* variables", () => {
  const env = notificationEnvironment({ record, state: "failed", usageLine: "cpu 1s" });
  assert.deepEqual(
    {
      id: env.MOLQ_JOB_ID,
      name: env.MOLQ_JOB_NAME,
      state: env.MOLQ_STATE,
      code: env.MOLQ_EXIT_CODE,
      cluster: env.MOLQ_CLUSTER,
      why: env.MOLQ_FAILURE_REASON,
      out: env.MOLQ_STDOUT,
      err: env.MOLQ_STDERR,
      elapsed: env.MOLQ_ELAPSED_SECONDS,
      usage: env.MOLQ_USAGE,
      run: env.MOLQ_RUN,
    },
    {
      id: record.jobId,
      name: "train",
      state: "failed",
      code: "3",
      cluster: "hpc",
      why: "Exited with code 3.",
      out: "/jobs/x/stdout.log",
      err: "/jobs/x/stderr.log",
      elapsed: "60",
      usage: "cpu 1s",
      run: "sweep",
    },
  );
  assert.equal(env.MOLQ_MESSAGE, "molq: job train (3f2a91c0) failed: Exited with code 3.");
  const quiet = notificationEnvironment({
    record: { ...record, exitCode: null, failureReason: null, name: null },
    state: "lost",
  });
  assert.equal(quiet.MOLQ_EXIT_CODE, "", "no exit code: empty, never 0");
  assert.equal(quiet.MOLQ_JOB_NAME, record.commandDisplay);
  assert.equal(quiet.MOLQ_USAGE, undefined);
});

Deno.test("an array's notification carries its task counts", () => {
  const array = { ...record, request: { ...record.request, scheduling: { array: "0-3" } } };
  const facts = {
    record: array,
    state: "failed" as const,
    taskCounts: { failed: 1, succeeded: 3 },
  };
  assert.equal(describeCounts(facts.taskCounts), "1 failed, 3 succeeded");
  assert.match(
    notificationSummary(facts),
    /^molq: array train \(3f2a91c0\) failed \(1 failed, 3 succeeded\)/,
  );
  const env = notificationEnvironment(facts);
  assert.equal(env.MOLQ_ARRAY_TASKS, "4");
  assert.equal(env.MOLQ_ARRAY_COUNTS, "1 failed, 3 succeeded");
});

Deno.test("notificationMail() is a mail with a one-line subject and the facts", () => {
  const mail = notificationMail("ada@example.org", {
    record: { ...record, failureReason: "line one\nline two" },
    state: "failed",
  });
  const [headers, body] = mail.split("\n\n");
  assert.match(
    headers!,
    /^To: ada@example.org\nSubject: molq: job train \(3f2a91c0\) failed: line one line two\n/,
  );
  assert.match(body!, /^molq: job train/);
  assert.match(mail, /\nexit_code +3\n/);
  assert.match(mail, /molq inspect 3f2a91c0/);
});
