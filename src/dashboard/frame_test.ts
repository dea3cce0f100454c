import assert from "node:assert/strict";
import { frameUpdate, FrameWriter } from "./frame.ts";

const SYNC = (body: string) => `\x1b[?2026h${body}\x1b[?2026l`;

Deno.test("frameUpdate() redraws only the lines that changed", () => {
  assert.equal(frameUpdate(["a", "b", "c"], ["a", "B", "c"]), SYNC("\x1b[2;1H\x1b[2KB"));
  assert.equal(frameUpdate(["a", "b"], ["a", "b"]), "");
});

Deno.test("frameUpdate() without a previous frame clears and draws everything", () => {
  assert.equal(
    frameUpdate(null, ["x", "y"]),
    SYNC("\x1b[2J\x1b[1;1H\x1b[2Kx\x1b[2;1H\x1b[2Ky"),
  );
});

Deno.test("FrameWriter writes each frame in one write and redraws fully after a resize", () => {
  const writes: string[] = [];
  const writer = new FrameWriter((text) => writes.push(text));
  writer.draw(["a", "b"]);
  writer.draw(["a", "c"]);
  writer.draw(["a", "c"]);
  writer.draw(["a", "c"], true);
  writer.draw(["a", "c", "d"]); // a different height is always a full redraw
  assert.equal(writes.length, 4);
  assert.ok(writes[0]!.includes("\x1b[2J"));
  assert.equal(writes[1], SYNC("\x1b[2;1H\x1b[2Kc"));
  assert.ok(writes[2]!.includes("\x1b[2J"));
  assert.ok(writes[3]!.includes("\x1b[2J"));
});
