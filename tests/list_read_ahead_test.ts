/**
 * End to end: `list` lays its table out while its refresh waits for the evidence step, and
 * prints that table only if the pass (or anyone) changed no job meanwhile.
 */
import assert from "node:assert/strict";
import { exitCodeWritten, type Sandbox, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

/** The STATE cell of each row `molq ARGS` lists, by the job id's first eight characters. */
async function statesOf(box: Sandbox, args: string[]): Promise<Map<string, string>> {
  const listed = await box.molq(args);
  assert.equal(listed.code, 0, listed.stderr);
  const [header, ...rows] = listed.stdout.trimEnd().split("\n");
  const columns = header!.split(/\s{2,}/);
  const state = columns.indexOf("STATE");
  assert.ok(state >= 0, header);
  return new Map(rows.map((row) => {
    const cells = row.split(/\s{2,}/);
    return [cells[0]!.slice(0, 8), cells[state]!];
  }));
}

Deno.test("list shows what its own refresh found, not the table it read while waiting", async () => {
  // Every list below makes its pass: none comes within a second of the one before.
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  const afterInterval = () => new Promise((done) => setTimeout(done, 1_100));
  const sleeper = await box.json<Json>(["submit", "local", "--", "sleep", "30"]);
  const ender = await box.json<Json>(["submit", "local", "--", "sh", "-c", "exit 3"]);
  const [sleeperId, enderId] = [sleeper.job_id as string, ender.job_id as string];
  try {
    await exitCodeWritten(box, enderId);
    // No pass has run yet: the store still holds the ended job as active.
    const before = await statesOf(box, ["list", "--all", "--no-refresh"]);
    assert.equal(before.get(enderId.slice(0, 8)), "submitted");
    // This list's pass queries (the sleeper is running) and ends the other job meanwhile.
    const states = await statesOf(box, ["list", "--all"]);
    assert.equal(states.get(enderId.slice(0, 8)), "failed");
    assert.equal(states.get(sleeperId.slice(0, 8)), "running");
    // Active only: the ended job is gone from the listing its own refresh made.
    await afterInterval();
    const active = await statesOf(box, ["list"]);
    assert.deepEqual([...active.keys()], [sleeperId.slice(0, 8)]);
    // A pass that changes nothing prints the table read while it waited: the same rows.
    await afterInterval();
    assert.deepEqual(await statesOf(box, ["list", "--all"]), states);
  } finally {
    await box.molq(["cancel", sleeperId]);
  }
});
