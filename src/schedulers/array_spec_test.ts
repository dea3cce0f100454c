import assert from "node:assert/strict";
import { parseArraySpec } from "./array_spec.ts";
import { UsageError } from "../core/errors.ts";

Deno.test("parseArraySpec() expands ranges, lists and steps", () => {
  assert.deepEqual(parseArraySpec("0-3"), { taskIds: ["0", "1", "2", "3"], throttle: null });
  assert.deepEqual(parseArraySpec("1,3,5").taskIds, ["1", "3", "5"]);
  assert.deepEqual(parseArraySpec("0-10:3").taskIds, ["0", "3", "6", "9"]);
  assert.deepEqual(parseArraySpec("7").taskIds, ["7"]);
  assert.deepEqual(parseArraySpec("0-2,10,20-22:2").taskIds, ["0", "1", "2", "10", "20", "22"]);
});

Deno.test("parseArraySpec() reads the %N throttle", () => {
  assert.deepEqual(parseArraySpec("0-7%2"), {
    taskIds: ["0", "1", "2", "3", "4", "5", "6", "7"],
    throttle: 2,
  });
});

Deno.test("parseArraySpec() drops duplicates and leading zeros", () => {
  assert.deepEqual(parseArraySpec("1,01,1-2").taskIds, ["1", "2"]);
});

Deno.test("parseArraySpec() refuses what the grammar does not allow", () => {
  for (const spec of ["", "a", "3-1", "0-9:0", "1,,2", "0-9%", "0-9%0", "-1", "0-9%2%3"]) {
    assert.throws(() => parseArraySpec(spec), UsageError, spec);
  }
  assert.throws(
    () => parseArraySpec("x"),
    /^UsageError: Invalid array "x": expected indexes and ranges such as 0-9, 1,3,5, 0-99:3 or 0-99%10\.$/,
  );
});

Deno.test("parseArraySpec() bounds the number of tasks", () => {
  assert.equal(parseArraySpec("1-100", 100).taskIds.length, 100);
  assert.throws(() => parseArraySpec("0-100", 100), /more than 100 tasks/);
  assert.throws(() => parseArraySpec("0-999999999", 100), /with at most 100 tasks/);
  assert.throws(() => parseArraySpec("0-60,100-160", 100), /100 tasks/);
});
