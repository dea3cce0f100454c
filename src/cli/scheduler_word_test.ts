import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import { splitSchedulerWord } from "./scheduler_word.ts";

Deno.test("splitSchedulerWord() takes a trailing scheduler kind off the ids", () => {
  assert.deepEqual(splitSchedulerWord(["3f2a", "slurm"]), { ids: ["3f2a"], scheduler: "slurm" });
  assert.deepEqual(splitSchedulerWord(["3f2a", "9c1e", "local"]), {
    ids: ["3f2a", "9c1e"],
    scheduler: "local",
  });
  assert.deepEqual(splitSchedulerWord(["lsf"]), { ids: [], scheduler: "lsf" });
});

Deno.test("splitSchedulerWord() leaves ids alone when there is no scheduler word", () => {
  assert.deepEqual(splitSchedulerWord(["3f2a", "9c1e"]), { ids: ["3f2a", "9c1e"] });
  assert.deepEqual(splitSchedulerWord([]), { ids: [] });
  // Only exact, lower-case kinds are scheduler words; anything else is left to the id check.
  assert.deepEqual(splitSchedulerWord(["3f2a", "SLURM"]), { ids: ["3f2a", "SLURM"] });
});

Deno.test("splitSchedulerWord() refuses a scheduler word before an id, or two of them", () => {
  assert.throws(() => splitSchedulerWord(["slurm", "3f2a"]), UsageError);
  assert.throws(
    () => splitSchedulerWord(["3f2a", "pbs", "slurm"]),
    /^UsageError: The scheduler "pbs" goes once, after the job ids/,
  );
});
