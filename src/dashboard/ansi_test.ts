import assert from "node:assert/strict";
import {
  clipLine,
  fit,
  paint,
  sanitize,
  stripAnsi,
  truncate,
  visibleWidth,
  wrapColumns,
} from "./ansi.ts";

Deno.test("visibleWidth() ignores ANSI codes and counts wide characters as 2", () => {
  assert.equal(visibleWidth("abc"), 3);
  assert.equal(visibleWidth(paint("abc", true, "red", "bold")), 3);
  assert.equal(visibleWidth("名前"), 4);
  assert.equal(visibleWidth("e\u0301"), 1, "combining accent");
  assert.equal(visibleWidth("😀"), 2);
  assert.equal(visibleWidth("● ◌ ✔ ✘ ⊘ ⏱ ?"), 13, "state symbols are single-width");
});

Deno.test("paint() emits nothing extra when colour is off", () => {
  assert.equal(paint("x", false, "red"), "x");
  assert.equal(paint("x", true, "red", "bold"), "\x1b[31;1mx\x1b[0m");
});

Deno.test("truncate() and fit() cut to columns with an ellipsis and pad exactly", () => {
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abc", 4), "abc");
  assert.equal(truncate("abc", 0), "");
  assert.equal(truncate("名前名前", 5), "名前…");
  assert.equal(fit("ab", 4), "ab  ");
  assert.equal(fit("ab", 4, "right"), "  ab");
  assert.equal(fit("名前名前", 6), "名前… ");
  assert.equal(visibleWidth(fit("名前名前", 6)), 6);
});

Deno.test("stripAnsi() and sanitize() remove escapes and control characters", () => {
  assert.equal(stripAnsi("\x1b[1;31mred\x1b[0m \x1b]0;title\x07x"), "red x");
  assert.equal(sanitize("a\tb\x1b[2Jc\x07d\re\n"), "a    bc d e ");
});

Deno.test("wrapColumns() splits by columns, keeping wide characters whole", () => {
  assert.deepEqual(wrapColumns("abcdefg", 3), ["abc", "def", "g"]);
  assert.deepEqual(wrapColumns("", 3), [""]);
  assert.deepEqual(wrapColumns("名前名", 3), ["名", "前", "名"]);
  assert.deepEqual(wrapColumns("名", 1), ["名"], "a wide char in one column still progresses");
});

Deno.test("clipLine() cuts visible text and keeps the codes balanced", () => {
  const line = paint("abcdef", true, "red") + "ghi";
  const clipped = clipLine(line, 4);
  assert.equal(stripAnsi(clipped), "abcd");
  assert.ok(clipped.endsWith("\x1b[0m"));
  assert.equal(clipLine("short", 10), "short");
});
