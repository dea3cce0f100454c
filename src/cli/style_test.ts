import assert from "node:assert/strict";
import { printable, visibleWidth } from "./style.ts";
import { columnWidths, fitRow, fittedLine, fittedWidths, renderTable, tableLine } from "./table.ts";

Deno.test("visibleWidth() counts terminal columns, not bytes or colour codes", () => {
  assert.equal(visibleWidth("running"), 7);
  assert.equal(visibleWidth(""), 0);
  assert.equal(visibleWidth("\x1b[36mrunning\x1b[0m"), 7);
  assert.equal(visibleWidth("名前 ok"), 7, "CJK characters take two columns");
  assert.equal(visibleWidth("🙂x"), 3);
  assert.equal(visibleWidth("e\u0301"), 1, "a combining accent takes none");
});

Deno.test("printable() leaves plain text alone and defuses control characters", () => {
  const plain = "python train.py --lr 0.1";
  assert.equal(printable(plain), plain);
  assert.equal(printable("a\tb\nc\rd"), "a b c d");
  assert.equal(printable("x\x1b[2Jy\x07\x7f\x9bz"), "x?[2Jy???z");
  assert.equal(printable("名前"), "名前");
});

Deno.test("tableLine() pads plain and wide cells alike and cuts at the column's maximum", () => {
  const widths = [4, 3];
  assert.equal(tableLine(["ab", "x"], widths), "ab    x");
  assert.equal(tableLine(["名前", "x"], widths), "名前  x");
  assert.equal(tableLine(["名前です", "x"], widths, { maxWidth: [4] }), "名…   x");
  assert.equal(tableLine(["a\tb", "x"], widths), "a b   x");
  assert.equal(tableLine(["abcdef", "x"], widths, { maxWidth: [4] }), "abc…  x");
});

Deno.test("renderTable() aligns right columns, colour and cut cells; fitted rows print the same", () => {
  const headers = ["NAME", "STATE", "CPU%"];
  const rows = [
    ["train-a", "\x1b[36mrunning\x1b[0m", "99%"],
    ["a very long name", "done", "7%"],
    ["名前", "", "100%"],
  ];
  const options = { right: [2], maxWidth: { 0: 10 } };
  assert.equal(
    renderTable(headers, rows, options),
    [
      "NAME        STATE    CPU%",
      "train-a     \x1b[36mrunning\x1b[0m   99%",
      "a very lo…  done       7%",
      "名前                 100%",
    ].join("\n"),
  );
  const fitted = rows.map((row) => fitRow(row, options));
  const widths = fittedWidths(fitRow(headers, options), fitted);
  assert.deepEqual(widths, columnWidths(headers, rows, options));
  assert.deepEqual(
    fitted.map((row) => fittedLine(row, widths, options)),
    rows.map((row) => tableLine(row, widths, options)),
  );
});
