import assert from "node:assert/strict";
import { join } from "node:path";
import type { NotifyPolicy } from "../core/notify_policy.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { JobStore } from "./job_store.ts";
import {
  beginAttempt,
  dueNotifications,
  finishAttempt,
  MAX_NOTIFY_ATTEMPTS,
  notificationOf,
  skipNotification,
  THIS_CLAIMANT,
} from "./notification_claims.ts";
import { usageOf } from "./usage_rows.ts";

const POLICY: NotifyPolicy = {
  on: ["failed", "timed_out", "lost", "cancelled"],
  command: ["true"],
  timeoutSeconds: 5,
  arrayTasks: false,
};

function openStore(): JobStore {
  return JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-claims-" }), "jobs.db"));
}

function running(store: JobStore, overrides: Parameters<typeof sampleRecord>[0] = {}) {
  const record = sampleRecord({
    state: "running",
    schedulerJobId: "7",
    startedAt: Date.now() - 1_000,
    ...overrides,
  });
  record.request = { ...record.request, notify: POLICY, ...overrides.request };
  store.insert(record);
  return record;
}

Deno.test("the final transition claims the notification in its own transaction, once", () => {
  const store = openStore();
  const job = running(store);
  assert.equal(store.transition(job.jobId, "running", "failed", { exitCode: 1 }), true);
  const claim = notificationOf(store, job.jobId)!;
  assert.deepEqual(
    [claim.state, claim.status, claim.attempts, claim.claimedBy, claim.leaseOwner],
    ["failed", "pending", 0, THIS_CLAIMANT, THIS_CLAIMANT],
  );
  assert.ok(claim.leaseUntil! >= claim.claimedAt + 15_000, "a lease of twice the timeout + 5 s");
  assert.equal(store.transition(job.jobId, "running", "failed"), false, "a second recorder loses");
  assert.equal(
    Number(store.prepare("SELECT count(*) AS n FROM notifications").get()!.n),
    1,
  );
  assert.ok(usageOf(store, [job.jobId]).has(job.jobId), "its usage row opens with it");
  store.close();
});

Deno.test("no claim for a state outside `on`, without a policy, or for an array task", () => {
  const store = openStore();
  const ok = running(store);
  store.transition(ok.jobId, "running", "succeeded", { exitCode: 0 });
  assert.equal(notificationOf(store, ok.jobId), undefined, "succeeded is not in `on`");
  const plain = sampleRecord({ state: "running", schedulerJobId: "8" });
  store.insert(plain);
  store.transition(plain.jobId, "running", "failed");
  assert.equal(notificationOf(store, plain.jobId), undefined);
  const task = running(store, { arrayJobId: ok.jobId, arrayTaskId: "0" });
  store.transition(task.jobId, "running", "failed");
  assert.equal(notificationOf(store, task.jobId), undefined, "the array notifies, not its tasks");
  const perTask = running(store, { arrayJobId: ok.jobId, arrayTaskId: "1" });
  perTask.request.notify = { ...POLICY, arrayTasks: true };
  store.prepare("UPDATE jobs SET request_json = ? WHERE job_id = ?")
    .run(JSON.stringify(perTask.request), perTask.jobId);
  store.transition(perTask.jobId, "running", "failed");
  assert.equal(notificationOf(store, perTask.jobId)?.state, "failed", "unless asked for");
  store.close();
});

Deno.test("an array task first seen finished claims on insert when tasks notify", () => {
  const store = openStore();
  const array = running(store);
  const task = sampleRecord({
    state: "failed",
    schedulerJobId: "7_0",
    arrayJobId: array.jobId,
    arrayTaskId: "0",
  });
  task.request = { ...task.request, notify: { ...POLICY, arrayTasks: true } };
  store.insert(task);
  assert.equal(notificationOf(store, task.jobId)?.status, "pending");
  store.close();
});

Deno.test("others take over a claim only once its holder's lease ran out", () => {
  const store = openStore();
  const job = running(store, { cluster: "hpc" });
  store.transition(job.jobId, "running", "failed");
  const now = Date.now();
  assert.deepEqual(dueNotifications(store, now, "own"), [job.jobId]);
  // As if another process had claimed it and died.
  store.prepare("UPDATE notifications SET lease_owner = 'other', lease_until = ? WHERE job_id = ?")
    .run(now + 60_000, job.jobId);
  assert.deepEqual(dueNotifications(store, now, { cluster: "hpc" }), [], "the lease holds");
  assert.equal(beginAttempt(store, job.jobId, now, 10_000), false);
  const later = now + 61_000;
  assert.deepEqual(dueNotifications(store, later, "own"), [], "not ours");
  assert.deepEqual(dueNotifications(store, later, { cluster: "other" }), []);
  assert.deepEqual(dueNotifications(store, later, { cluster: "hpc" }), [job.jobId]);
  assert.equal(beginAttempt(store, job.jobId, later, 10_000), true);
  const attempt = notificationOf(store, job.jobId)!;
  assert.deepEqual([attempt.attempts, attempt.leaseOwner], [1, THIS_CLAIMANT]);
  finishAttempt(store, job.jobId, { ok: true }, later + 1);
  assert.equal(notificationOf(store, job.jobId)?.status, "sent");
  assert.deepEqual(dueNotifications(store, later + 10, "any"), []);
  store.close();
});

Deno.test("failed attempts wait out a backoff, then molq gives up keeping the error", () => {
  const store = openStore();
  const job = running(store);
  store.transition(job.jobId, "running", "timed_out");
  let now = Date.now();
  for (let attempt = 1; attempt <= MAX_NOTIFY_ATTEMPTS; attempt++) {
    assert.deepEqual(dueNotifications(store, now, "any"), [job.jobId], `attempt ${attempt}`);
    assert.equal(beginAttempt(store, job.jobId, now, 10_000), true);
    finishAttempt(store, job.jobId, { ok: false, error: `boom ${attempt}` }, now);
    const row = notificationOf(store, job.jobId)!;
    if (attempt < MAX_NOTIFY_ATTEMPTS) {
      assert.deepEqual([row.status, row.leaseOwner, row.error], [
        "pending",
        null,
        `boom ${attempt}`,
      ]);
      assert.deepEqual(dueNotifications(store, now + 1, "any"), [], "backing off");
      now = row.nextAttemptAt!;
    }
  }
  const row = notificationOf(store, job.jobId)!;
  assert.deepEqual([row.status, row.attempts, row.error], ["failed", 3, "boom 3"]);
  store.close();
});

Deno.test("skipNotification() ends a claim without delivering it", () => {
  const store = openStore();
  const job = running(store);
  store.transition(job.jobId, "running", "failed");
  skipNotification(store, job.jobId, "Attempt 2 followed.", Date.now());
  assert.deepEqual(
    [notificationOf(store, job.jobId)?.status, notificationOf(store, job.jobId)?.error],
    ["skipped", "Attempt 2 followed."],
  );
  assert.deepEqual(dueNotifications(store, Date.now(), "any"), []);
  store.close();
});
