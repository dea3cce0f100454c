/** End to end: retries create a lineage of attempts; waits follow it to the latest one. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

/** Fails until it has run `succeedOn` times, counting its runs in a file. */
const flaky = (counter: string, succeedOn: number, failCode = 1) =>
  `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; ` +
  `[ $n -ge ${succeedOn} ] || exit ${failCode}`;

Deno.test("a job that fails twice then succeeds makes a lineage of three attempts", async () => {
  const box = sandbox();
  const counter = join(box.cwd, "runs");
  const submitted = await box.molq([
    "submit",
    "local",
    "--retries",
    "3",
    "--retry-backoff",
    "1s",
    "--json",
    "--command",
    flaky(counter, 3),
  ]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const first = JSON.parse(submitted.stdout) as Json;
  const watch = await box.molq([
    "watch",
    first.job_id as string,
    "--poll",
    "fixed:250ms",
    "--json",
  ]);
  assert.equal(watch.code, 0, watch.stderr);
  const [final] = JSON.parse(watch.stdout) as Json[];
  assert.equal(final!.state, "succeeded");
  assert.equal(final!.attempt, 3);
  assert.equal(final!.lineage_id, first.job_id);
  assert.equal(Deno.readTextFileSync(counter).trim(), "3");

  const inspected = await box.json<Json>(["inspect", first.job_id as string]);
  const lineage = inspected.lineage as Json[];
  assert.deepEqual(lineage.map((l) => [l.attempt, l.state]), [
    [1, "failed"],
    [2, "failed"],
    [3, "succeeded"],
  ]);
  const second = await box.json<Json>(["inspect", lineage[1]!.job_id as string]);
  assert.equal(second.previous_attempt_id, first.job_id);
  assert.equal(final!.previous_attempt_id, second.job_id);
  // Backoff doubles: the third attempt waited about twice as long as the second.
  const submittedAt = (r: Json) => Date.parse(r.submitted_at as string);
  const finishedAt = (r: Json) => Date.parse(r.finished_at as string);
  const firstEnded = await box.json<Json>(["status", first.job_id as string]);
  assert.ok(submittedAt(second) - finishedAt(firstEnded) >= 1_000, "the first backoff");
  assert.ok(submittedAt(final!) - finishedAt(second) >= 2_000, "the second, doubled");
  const human = await box.molq(["inspect", first.job_id as string]);
  assert.match(human.stdout, /Attempts:\n {2}#1 .* failed\n {2}#2 .* failed\n {2}#3 .* succeeded/);
});

Deno.test("--retry-on-exit-code retries only those codes, and the wait ends on the last attempt", async () => {
  const box = sandbox();
  const counter = join(box.cwd, "runs");
  const result = await box.molq([
    "submit",
    "local",
    "--retries",
    "4",
    "--retry-backoff",
    "1s",
    "--retry-on-exit-code",
    "75",
    "--wait",
    "--json",
    "--command",
    // 75 (temporary) on the first run, then 2 (permanent): no third run.
    `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; ` +
    `[ $n -ge 2 ] && exit 2; exit 75`,
  ]);
  assert.equal(result.code, 1);
  const [final] = JSON.parse(result.stdout) as Json[];
  assert.equal(final!.attempt, 2);
  assert.equal(final!.exit_code, 2);
  assert.equal(Deno.readTextFileSync(counter).trim(), "2");
});
