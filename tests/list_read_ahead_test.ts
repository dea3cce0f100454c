/**
 * End to end: `list` lays its table out while its refresh waits for the evidence step, and
 * prints that table only if the pass (or anyone) changed no job meanwhile, and only if the
 * wait was short (its elapsed times are counted to when it was read).
 */
import assert from "node:assert/strict";
import { exitCodeWritten, type Sandbox, sandbox } from "./_molq.ts";
import { id, simBox, sleep, withBox } from "./_sim_cluster.ts";

type Json = Record<string, unknown>;

/** The `column` cell of each row of a table, by the job id's first eight characters. */
function cellsOf(table: string, column: string): Map<string, string> {
  const [header, ...rows] = table.trimEnd().split("\n");
  const index = header!.split(/\s{2,}/).indexOf(column);
  assert.ok(index >= 0, header);
  return new Map(rows.map((row) => {
    const cells = row.split(/\s{2,}/);
    return [cells[0]!.slice(0, 8), cells[index]!];
  }));
}

/** The STATE cell of each row `molq ARGS` lists, by the job id's first eight characters. */
async function statesOf(box: Sandbox, args: string[]): Promise<Map<string, string>> {
  const listed = await box.molq(args);
  assert.equal(listed.code, 0, listed.stderr);
  return cellsOf(listed.stdout, "STATE");
}

/** Seconds of an ELAPSED cell: `42s` or `3m07s`. */
function seconds(elapsed: string): number {
  const match = /^(?:(\d+)m)?(\d+)s$/.exec(elapsed);
  assert.ok(match, elapsed);
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
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

Deno.test({
  sanitizeOps: false,
  sanitizeResources: false,
  name: "list whose refresh waits long shows elapsed times as of its end, not of its wait",
  fn: () =>
    withBox(simBox("lsf", { commandTimeout: "2s" }), async (box) => {
      const job = await box.submit(["--", "sleep", "60"]);
      await box.until((records) => records.get(id(job))?.state === "running", "the job to run");
      await sleep(1_100); // past the minimum interval: the list below makes its pass
      // bjobs hangs until the 2 s command timeout: the pass changes nothing, and fails.
      const listed = await box.molq(["list"], { env: { MOLQ_TEST_FAULT: "hang" } });
      const end = Date.now();
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, /timed out after 2 s/);
      const record = (await box.records()).get(id(job))!;
      const truth = (end - Date.parse(record.started_at as string)) / 1000;
      const shown = seconds(cellsOf(listed.stdout, "ELAPSED").get(id(job).slice(0, 8))!);
      assert.ok(shown >= truth - 1, `shown ${shown} s, ran ${truth.toFixed(1)} s by the end`);
    }),
});
