/** End to end: dependencies on the local scheduler, held by molq until they allow a start. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;

async function submit(box: Box, args: string[]): Promise<Json> {
  return await box.json<Json>(["submit", "local", ...args]);
}

Deno.test("an afterok chain runs in order, each job after its upstream succeeded", async () => {
  const box = sandbox();
  const log = join(box.cwd, "order");
  const a = await submit(box, ["--command", `sleep 1; echo a >> ${log}`]);
  const b = await submit(box, [
    "--after-ok",
    (a.job_id as string).slice(0, 8),
    "--command",
    `echo b >> ${log}`,
  ]);
  const c = await submit(box, ["--after-ok", b.job_id as string, "--command", `echo c >> ${log}`]);
  for (const held of [b, c]) {
    assert.equal(held.state, "queued");
    assert.equal(held.scheduler_job_id, null);
    assert.match(held.state_detail as string, /^waiting for [0-9a-f]{8} \(afterok\)$/);
  }
  const watch = await box.molq([
    "watch",
    a.job_id as string,
    b.job_id as string,
    c.job_id as string,
    "--poll",
    "fixed:250ms",
  ]);
  assert.equal(watch.code, 0, watch.stderr);
  assert.equal(Deno.readTextFileSync(log), "a\nb\nc\n");
  const started = await box.json<Json>(["inspect", c.job_id as string]);
  const reasons = (started.transitions as Json[]).map((t) => t.reason);
  assert.match(reasons.join("\n"), /dependencies satisfied; started as \d+/);
});

Deno.test("afterok on a failed job ends the dependent as cancelled with the reason", async () => {
  const box = sandbox();
  const bad = await submit(box, ["--", "sh", "-c", "sleep 1; exit 4"]);
  const dependent = await submit(box, ["--after-ok", bad.job_id as string, "--", "echo", "never"]);
  const onFail = await submit(box, ["--after-fail", bad.job_id as string, "--", "echo", "cleanup"]);
  const watch = await box.molq([
    "watch",
    dependent.job_id as string,
    onFail.job_id as string,
    "--json",
    "--poll",
    "fixed:250ms",
  ]);
  assert.equal(watch.code, 1);
  const [ended, ran] = JSON.parse(watch.stdout) as Json[];
  assert.equal(ended!.state, "cancelled");
  assert.equal(ended!.scheduler_job_id, null, "it never ran");
  assert.equal(
    ended!.failure_reason,
    `Dependency never satisfied: job ${(bad.job_id as string).slice(0, 8)} (afterok) ended failed.`,
  );
  assert.equal(ran!.state, "succeeded", "--after-fail ran because its upstream failed");
  assert.match(watch.stderr, /did not succeed: [0-9a-f]{8} cancelled \(Dependency never satisfied/);
});

Deno.test("afterstart starts the dependent once its upstream runs", async () => {
  const box = sandbox();
  const long = await submit(box, ["--", "sleep", "30"]);
  const follower = await submit(box, ["--after-start", long.job_id as string, "--", "true"]);
  assert.equal(follower.state, "queued", "the upstream was not seen running yet");
  const watch = await box.molq(["watch", follower.job_id as string, "--poll", "fixed:250ms"]);
  assert.equal(watch.code, 0, watch.stderr);
  const upstream = await box.json<Json>(["status", long.job_id as string]);
  assert.equal(upstream.state, "running", "it did not wait for the upstream to end");
  const ran = await box.json<Json>(["inspect", follower.job_id as string]);
  assert.ok(Date.parse(ran.submitted_at as string) >= Date.parse(upstream.started_at as string));
  const reasons = (ran.transitions as Json[]).map((t) => t.reason as string);
  assert.equal(reasons[1], `waiting for ${(long.job_id as string).slice(0, 8)} (afterstart)`);
  assert.match(reasons[2]!, /^dependencies satisfied; started as \d+$/);
  assert.equal((await box.molq(["cancel", long.job_id as string])).code, 0);
});
