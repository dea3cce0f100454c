import assert from "node:assert/strict";
import { editDistance, suggestSimilar } from "./suggest_similar.ts";

Deno.test("editDistance() counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("lsit", "list"), 1);
  assert.equal(editDistance("limt", "limit"), 1);
  assert.equal(editDistance("abc", "abc"), 0);
  assert.equal(editDistance("a", "abcdef"), 6);
});

Deno.test("suggestSimilar() offers the closest option or command", () => {
  assert.equal(
    suggestSimilar("--limt", ["--limit", "--all", "--help"]),
    "\n(Did you mean --limit?)",
  );
  assert.equal(suggestSimilar("lsit", ["list", "logs", "help"]), "\n(Did you mean list?)");
  assert.equal(suggestSimilar("--jsn", ["--json", "--run"]), "\n(Did you mean --json?)");
});

Deno.test("suggestSimilar() lists ties in order and offers nothing that is not close", () => {
  assert.equal(suggestSimilar("--ab", ["--ac", "--aa"]), "\n(Did you mean one of --aa, --ac?)");
  assert.equal(suggestSimilar("--bogus", ["--limit", "--all"]), "");
  assert.equal(suggestSimilar("x", ["x"]), "");
  assert.equal(suggestSimilar("x", []), "");
});
