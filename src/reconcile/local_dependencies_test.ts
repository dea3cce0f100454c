import assert from "node:assert/strict";
import { submitJob } from "./submit_job.ts";
import type { DependencyKind } from "../core/job_request.ts";
import type { JobState } from "../core/job_state.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { harness } from "./_fake_scheduler.ts";
import { checkDependencies } from "./local_dependencies.ts";

Deno.test("checkDependencies() judges each kind by the upstream job's state", () => {
  const h = harness("local");
  const verdict = (kind: DependencyKind, state: JobState) => {
    const upstream = sampleRecord({ state });
    h.store.insert(upstream);
    const dependent = sampleRecord({
      request: { ...sampleRecord().request, dependencies: [{ kind, jobId: upstream.jobId }] },
    });
    return checkDependencies(h.store, dependent).kind;
  };
  const table: [DependencyKind, JobState, string][] = [
    ["afterok", "running", "waiting"],
    ["afterok", "succeeded", "satisfied"],
    ["afterok", "failed", "never"],
    ["afterok", "cancelled", "never"],
    ["afternotok", "queued", "waiting"],
    ["afternotok", "failed", "satisfied"],
    ["afternotok", "timed_out", "satisfied"],
    ["afternotok", "succeeded", "never"],
    ["after", "running", "waiting"],
    ["after", "failed", "satisfied"],
    ["after", "succeeded", "satisfied"],
    ["afterstart", "queued", "waiting"],
    ["afterstart", "running", "satisfied"],
    ["afterstart", "succeeded", "satisfied"],
  ];
  for (const [kind, state, expected] of table) {
    assert.equal(verdict(kind, state), expected, `${kind} on a ${state} job`);
  }
  h.store.close();
});

Deno.test("checkDependencies() follows the upstream lineage to its latest attempt", () => {
  const h = harness("local");
  const first = sampleRecord({ state: "failed" });
  const retry = sampleRecord({ state: "running", attempt: 2, lineageId: first.jobId });
  h.store.insert(first);
  h.store.insert(retry);
  const dependent = sampleRecord({
    request: {
      ...sampleRecord().request,
      dependencies: [{ kind: "afterok", jobId: first.jobId }],
    },
  });
  assert.deepEqual(checkDependencies(h.store, dependent), {
    kind: "waiting",
    detail: `waiting for ${first.jobId.slice(0, 8)} (afterok)`,
  });
  h.store.transition(retry.jobId, "running", "succeeded");
  assert.equal(checkDependencies(h.store, dependent).kind, "satisfied");
  h.store.close();
});

Deno.test("a local dependent waits queued, without a scheduler id, and starts after its upstream", async () => {
  const h = harness("local");
  const upstream = await submitJob(h.target, h.request());
  const dependent = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: upstream.jobId.slice(0, 8) }] }),
  );
  assert.equal(dependent.state, "queued");
  assert.equal(dependent.schedulerJobId, null);
  assert.equal(dependent.stateDetail, `waiting for ${upstream.jobId.slice(0, 8)} (afterok)`);
  assert.deepEqual(dependent.request.dependencies, [{ kind: "afterok", jobId: upstream.jobId }]);
  assert.equal(h.scheduler.submitted.length, 1, "only the upstream job was started");

  await h.pass();
  assert.equal(h.store.get(dependent.jobId)!.state, "queued", "upstream still running");

  h.scheduler.answers.set(upstream.schedulerJobId!, { state: "succeeded", exitCode: 0 });
  await h.pass();
  const started = h.store.get(dependent.jobId)!;
  assert.equal(started.state, "running");
  assert.notEqual(started.schedulerJobId, null);
  assert.equal(started.stateDetail, null);
  assert.equal(h.scheduler.submitted.at(-1)!.jobId, dependent.jobId);
  const reasons = h.store.transitions(dependent.jobId).map((t) => `${t.toState}: ${t.reason}`);
  assert.deepEqual(reasons, [
    "created: recorded",
    `queued: waiting for ${upstream.jobId.slice(0, 8)} (afterok)`,
    `running: dependencies satisfied; started as ${started.schedulerJobId}`,
  ]);
  h.store.close();
});

Deno.test("a dependency that can never be satisfied cancels the chain, saying why", async () => {
  const h = harness("local");
  const upstream = await submitJob(h.target, h.request());
  const b = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: upstream.jobId }] }),
  );
  const c = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "after", jobId: b.jobId }] }),
  );
  h.scheduler.answers.set(upstream.schedulerJobId!, { state: "failed", exitCode: 3 });
  await h.pass();
  const ended = h.store.get(b.jobId)!;
  assert.equal(ended.state, "cancelled");
  assert.equal(
    ended.failureReason,
    `Dependency never satisfied: job ${upstream.jobId.slice(0, 8)} (afterok) ended failed.`,
  );
  assert.notEqual(ended.finishedAt, null);
  // `after` is satisfied by any end, so c starts in the same pass.
  assert.equal(h.store.get(c.jobId)!.state, "running");
  h.store.close();
});

Deno.test("a dependent submitted after its upstream finished starts or ends at once", async () => {
  const h = harness("local");
  const ok = sampleRecord({ cluster: "local", state: "succeeded", schedulerJobId: "9" });
  const bad = sampleRecord({ cluster: "local", state: "failed", schedulerJobId: "8" });
  h.store.insert(ok);
  h.store.insert(bad);
  const now = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: ok.jobId }] }),
  );
  assert.equal(now.state, "submitted");
  const never = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: bad.jobId }] }),
  );
  assert.equal(never.state, "cancelled");
  assert.match(never.failureReason!, /ended failed/);
  h.store.close();
});

Deno.test("a held job cancelled while it starts is cancelled at the scheduler too", async () => {
  const h = harness("local");
  const upstream = await submitJob(h.target, h.request());
  const dependent = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: upstream.jobId }] }),
  );
  h.scheduler.answers.set(upstream.schedulerJobId!, { state: "succeeded", exitCode: 0 });
  const submit = h.scheduler.submit.bind(h.scheduler);
  h.scheduler.submit = (context) => {
    // The user's cancel lands between the start and its record.
    h.store.transition(dependent.jobId, "queued", "cancelled");
    return submit(context);
  };
  await h.pass();
  assert.equal(h.store.get(dependent.jobId)!.state, "cancelled");
  assert.equal(h.scheduler.cancelled.length, 1);
  h.store.close();
});

Deno.test("on Grid Engine a released dependent is submitted and stays queued there", async () => {
  const h = harness("sge");
  const upstream = await submitJob(h.target, h.request());
  const dependent = await submitJob(
    h.target,
    h.request({ dependencies: [{ kind: "afterok", jobId: upstream.jobId }] }),
  );
  assert.deepEqual([dependent.state, dependent.schedulerJobId], ["queued", null]);
  assert.equal(
    h.scheduler.submitted.length,
    1,
    "molq holds the dependent; Grid Engine has not seen it",
  );
  h.scheduler.answers.set(upstream.schedulerJobId!, { state: "succeeded", exitCode: 0 });
  await h.pass();
  const released = h.store.get(dependent.jobId)!;
  assert.equal(h.scheduler.submitted.at(-1)!.jobId, dependent.jobId);
  assert.deepEqual([released.state, released.stateDetail, released.startedAt], [
    "queued",
    null,
    null,
  ]);
  assert.equal(released.schedulerJobId, "101");
  assert.notEqual(released.submittedAt, null);
  // From now on it is tracked like any submitted job.
  h.scheduler.answers.set("101", { state: "succeeded", exitCode: 0 });
  await h.pass();
  assert.equal(h.store.get(dependent.jobId)!.state, "succeeded");
  h.store.close();
});
