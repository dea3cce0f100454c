import assert from "node:assert/strict";
import { jsonArrayLines } from "./json_lines.ts";

const streamed = (items: unknown[]) => [...jsonArrayLines(items, (x) => x)].join("\n");

Deno.test("jsonArrayLines() prints what JSON.stringify(array, null, 2) prints", () => {
  const cases: unknown[][] = [
    [],
    [1],
    [{ a: 1, b: [1, { c: "x\ny" }], d: {} }, null, "s", { e: [] }],
    [{ nested: { deeper: { deepest: [1, 2, 3] } } }, { "key\nwith break": "v" }],
  ];
  for (const items of cases) assert.equal(streamed(items), JSON.stringify(items, null, 2));
});

Deno.test("jsonArrayLines() reads its items one at a time", () => {
  let read = 0;
  function* items() {
    for (let i = 0; i < 3; i++) {
      read++;
      yield { i };
    }
  }
  const lines = jsonArrayLines(items(), (x) => x);
  lines.next(); // "["
  assert.equal(read, 1);
  lines.next(); // the first item, once the second is known
  assert.equal(read, 2);
});
