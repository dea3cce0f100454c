import assert from "node:assert/strict";
import { lineChunks } from "./line_chunks.ts";

Deno.test("lineChunks() cuts text into pieces of whole lines, each at most the size given", () => {
  assert.deepEqual(lineChunks("", 10), [""]);
  assert.deepEqual(lineChunks("a\nb\n", 10), ["a\nb\n"]);
  assert.deepEqual(lineChunks("aaa\nbbb\nccc\n", 8), ["aaa\nbbb\n", "ccc\n"]);
  assert.deepEqual(lineChunks("aaa\nbbb\nccc\n", 4), ["aaa\n", "bbb\n", "ccc\n"]);
  // A line longer than the size stays whole.
  assert.deepEqual(lineChunks("a\nbbbbbbbb\nc\n", 4), ["a\n", "bbbbbbbb\nc\n"]);
  const text = Array.from({ length: 1000 }, (_, i) => `f - /jobs/${i}\n`).join("");
  const pieces = lineChunks(text, 1024);
  assert.equal(pieces.join(""), text);
  assert.ok(pieces.length > 10 && pieces.every((p) => p.length <= 1024 && p.endsWith("\n")));
});
