import assert from "node:assert/strict";
import { directiveWords, pairOptions, splitWords } from "./directive_words.ts";
import { parseIndexSpec } from "./index_spec.ts";
import { parseClock } from "./sim_state.ts";

Deno.test("splitWords() reads shell-quoted directive values", () => {
  assert.deepEqual(splitWords(` -N 'a b'"'"'c' -o "/x y/\\"z\\"" -l select=1:ncpus=2`), [
    "-N",
    "a b'c",
    "-o",
    '/x y/"z"',
    "-l",
    "select=1:ncpus=2",
  ]);
  assert.throws(() => splitWords("-N 'open"));
});

Deno.test("directiveWords() stops at the first command, as qsub and bsub do", () => {
  const script = "#!/bin/sh\n#PBS -N a\n\n# note\n#PBS -q b\necho hi\n#PBS -A late\n";
  assert.deepEqual(directiveWords(script, "#PBS"), ["-N", "a", "-q", "b"]);
});

Deno.test("pairOptions() pairs flags with values and rejects unknown flags", () => {
  const parsed = pairOptions(["-N", "x", "-V", "job.sh"], new Set(["-N"]), new Set(["-V"]));
  assert.deepEqual(parsed, { options: [["-N", "x"], ["-V", ""]], operands: ["job.sh"] });
  assert.throws(() => pairOptions(["-Z"], new Set(), new Set()), /invalid option/);
});

Deno.test("parseIndexSpec() reads ranges, steps, lists and a running limit", () => {
  assert.deepEqual(parseIndexSpec("0-3"), { indices: [0, 1, 2, 3], maxRunning: null });
  assert.deepEqual(parseIndexSpec("1-9:4,20%2"), { indices: [1, 5, 9, 20], maxRunning: 2 });
  assert.throws(() => parseIndexSpec("3-1"));
});

Deno.test("parseClock() reads HH:MM:SS, MM:SS and seconds", () => {
  assert.equal(parseClock("01:00:03"), 3603);
  assert.equal(parseClock("90"), 90);
  assert.ok(Number.isNaN(parseClock("1h")));
});
