import assert from "node:assert/strict";
import { submitJob } from "./submit_job.ts";
import type { RetryPolicy } from "../core/job_request.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { harness } from "./_fake_scheduler.ts";
import { retryDelaySeconds, wantsRetry } from "./retries.ts";

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 3,
  onExitCodes: [],
  backoffSeconds: 30,
  ...overrides,
});

Deno.test("wantsRetry() retries attempts that ran and failed, while attempts are left", () => {
  const ran = (overrides: Parameters<typeof sampleRecord>[0]) =>
    sampleRecord({
      state: "failed",
      exitCode: 1,
      schedulerJobId: "7",
      request: { ...sampleRecord().request, retry: policy() },
      ...overrides,
    });
  assert.equal(wantsRetry(ran({})), true);
  assert.equal(wantsRetry(ran({ state: "timed_out", exitCode: null })), true);
  assert.equal(wantsRetry(ran({ attempt: 3 })), false, "no attempts left");
  assert.equal(wantsRetry(ran({ state: "cancelled" })), false, "cancelled by someone");
  assert.equal(wantsRetry(ran({ state: "lost" })), false);
  assert.equal(wantsRetry(ran({ schedulerJobId: null })), false, "rejected at submission");
  assert.equal(wantsRetry(ran({ request: sampleRecord().request })), false, "no policy");
  const onCodes = { ...sampleRecord().request, retry: policy({ onExitCodes: [75, 3] }) };
  assert.equal(wantsRetry(ran({ request: onCodes, exitCode: 3 })), true);
  assert.equal(wantsRetry(ran({ request: onCodes, exitCode: 1 })), false);
  assert.equal(wantsRetry(ran({ request: onCodes, exitCode: null })), false);
});

Deno.test("retryDelaySeconds() doubles the backoff for each later attempt", () => {
  const p = policy({ backoffSeconds: 30 });
  assert.deepEqual([1, 2, 3, 4].map((a) => retryDelaySeconds(p, a)), [30, 60, 120, 240]);
});

Deno.test("a failed attempt gets its retry in the same pass, submitted once its backoff is over", async () => {
  const h = harness();
  const first = await submitJob(h.target, h.request({ retry: policy({ backoffSeconds: 3600 }) }));
  assert.equal(first.state, "submitted");
  h.scheduler.answers.set(first.schedulerJobId!, {
    state: "failed",
    exitCode: 2,
    failureReason: "Exited with code 2.",
  });
  const before = Date.now();
  const result = await h.pass();
  assert.equal(result.error, null);
  const lineage = h.store.list({}).reverse();
  assert.equal(lineage.length, 2);
  const [ended, retry] = lineage as [typeof first, typeof first];
  assert.equal(ended.state, "failed");
  assert.equal(retry.state, "created");
  assert.equal(retry.attempt, 2);
  assert.equal(retry.lineageId, first.jobId);
  assert.equal(retry.previousAttemptId, first.jobId);
  assert.ok(retry.notBefore! >= before + 3_600_000, "waits out its backoff");
  assert.deepEqual(retry.request, ended.request, "the frozen request is submitted again");
  assert.notEqual(retry.jobDir, ended.jobDir);

  await h.pass();
  assert.equal(h.store.get(retry.jobId)!.state, "created", "not before its time");
  assert.equal(h.scheduler.submitted.length, 1);

  h.store.update(retry.jobId, "created", { notBefore: Date.now() - 1 });
  await h.pass();
  const submitted = h.store.get(retry.jobId)!;
  assert.equal(submitted.state, "submitted");
  assert.equal(submitted.notBefore, null);
  assert.ok(Deno.statSync(retry.jobDir).isDirectory, "its directory is made at hand-over");
  assert.equal(h.scheduler.submitted.length, 2);
  assert.equal(h.scheduler.submitted[1]!.jobId, retry.jobId);
  assert.equal(h.store.latestAttempt(first).jobId, retry.jobId);
  h.store.close();
});

Deno.test("the last attempt ends the lineage, and exit codes outside the policy are not retried", async () => {
  const h = harness();
  const first = await submitJob(
    h.target,
    h.request({ retry: policy({ attempts: 2, backoffSeconds: 0, onExitCodes: [75] }) }),
  );
  h.scheduler.answers.set(first.schedulerJobId!, { state: "failed", exitCode: 75 });
  await h.pass(); // attempt 1 fails; attempt 2 is recorded, due at once, and submitted
  const second = h.store.latestAttempt(first);
  assert.equal(second.attempt, 2);
  assert.equal(second.state, "submitted");
  h.scheduler.answers.set(second.schedulerJobId!, { state: "failed", exitCode: 75 });
  await h.pass();
  assert.equal(h.store.list({}).length, 2, "no third attempt");

  const other = await submitJob(h.target, h.request({ retry: policy({ onExitCodes: [75] }) }));
  h.scheduler.answers.set(other.schedulerJobId!, { state: "failed", exitCode: 1 });
  await h.pass();
  assert.equal(h.store.latestAttempt(other).jobId, other.jobId, "exit 1 is not retried");
  h.store.close();
});

Deno.test("a retry that cannot be recorded leaves the failure, saying why", async () => {
  const h = harness();
  const workdir = Deno.makeTempDirSync();
  const first = await submitJob(h.target, h.request({ workdir, retry: policy() }));
  Deno.removeSync(workdir);
  h.scheduler.answers.set(first.schedulerJobId!, {
    state: "failed",
    exitCode: 1,
    failureReason: "Exited with code 1.",
  });
  const result = await h.pass();
  assert.equal(result.error, null);
  const ended = h.store.get(first.jobId)!;
  assert.equal(ended.state, "failed");
  assert.match(ended.failureReason!, /^Exited with code 1\. No retry: Invalid --workdir/);
  assert.equal(h.store.list({}).length, 1);
  h.store.close();
});
