import assert from "node:assert/strict";
import { shellJoin, shellQuote } from "./shell_quote.ts";
import { runCommand } from "../process/run_command.ts";

const HOSTILE = [
  "plain",
  "with space",
  "it's",
  "$(touch /tmp/molq-pwned)",
  "`id`",
  "a;b",
  "line\nbreak",
  "--leading-dash",
  "-",
  "",
  "ünïcödé ✓",
  "\\back\\slash",
  '"double"',
  "*glob?",
  "~tilde",
];

Deno.test("shellQuote() leaves simple words alone and quotes the rest", () => {
  assert.equal(shellQuote("train.py"), "train.py");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  assert.equal(shellQuote(""), "''");
});

Deno.test("shellJoin() round-trips hostile words through a real sh", async () => {
  const script = `for a in ${shellJoin(HOSTILE)}; do printf '%s\\0' "$a"; done`;
  const result = await runCommand(["sh", "-c", script]);
  assert.deepEqual(result.stdout.split("\0").slice(0, -1), HOSTILE);
});
