/** `list` lays a short listing out from its own rows and streams a longer one: same table. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sandbox } from "./_molq.ts";
import { JobStore } from "../src/store/job_store.ts";
import { HELD_ROWS } from "../src/cli/job_rows.ts";
import { sampleRecord } from "../src/testing/sample_record.ts";

Deno.test("list holds up to HELD_ROWS rows and streams past that, printing the same lines", async () => {
  const box = sandbox();
  const store = JobStore.open(join(box.home, "jobs.db"));
  const now = Date.now();
  try {
    store.write(() => {
      for (let i = 0; i <= HELD_ROWS; i++) {
        store.insert(sampleRecord({
          state: "succeeded",
          createdAt: now - i * 1000,
          schedulerJobId: String(100_000 + i),
          name: i % 2 ? "train-a" : "evaluate",
          startedAt: now - i * 1000,
          finishedAt: now - i * 1000 + 5_000,
          exitCode: 0,
        }));
      }
    });
  } finally {
    store.close();
  }
  const list = (limit: number) =>
    box.molq(["list", "--all", "--no-refresh", "--limit", String(limit)], {
      env: { NO_COLOR: "1" },
    });
  const held = await list(HELD_ROWS);
  const streamed = await list(HELD_ROWS + 1);
  assert.equal(held.code, 0, held.stderr);
  assert.equal(streamed.code, 0, streamed.stderr);
  const heldLines = held.stdout.trimEnd().split("\n");
  const streamedLines = streamed.stdout.trimEnd().split("\n");
  assert.equal(heldLines.length, HELD_ROWS + 1, "the header and every row");
  assert.equal(streamedLines.length, HELD_ROWS + 2);
  assert.match(
    heldLines[0]!,
    /^ID +STATE +CLUSTER +SCHED ID +NAME\/COMMAND +ELAPSED +EXIT\/REASON$/,
  );
  assert.deepEqual(streamedLines.slice(0, -1), heldLines);
  assert.match(streamedLines.at(-1)!, / 105000 +evaluate +5s +0$/);
});
