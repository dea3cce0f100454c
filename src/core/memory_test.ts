import assert from "node:assert/strict";
import { formatMemory, memoryMebibytes, parseMemoryBytes } from "./memory.ts";

const G = 1024 ** 3;
const M = 1024 ** 2;

Deno.test("parseMemoryBytes() reads the documented forms, 1024-based", () => {
  assert.equal(parseMemoryBytes("512M"), 512 * M);
  assert.equal(parseMemoryBytes("8G"), 8 * G);
  assert.equal(parseMemoryBytes("1.5G"), 1.5 * G);
  assert.equal(parseMemoryBytes("8GiB"), 8 * G);
  assert.equal(parseMemoryBytes("8gb"), 8 * G);
  assert.equal(parseMemoryBytes("2T"), 2 * 1024 * G);
  assert.equal(parseMemoryBytes("100K"), 100 * 1024);
  assert.equal(parseMemoryBytes("4096"), 4096);
});

Deno.test("parseMemoryBytes() rejects bad values naming the value and the forms", () => {
  for (const bad of ["", "G", "8X", "-1G", "0G", "eight", "8 G B", "1.2.3G", "8Gi"]) {
    assert.throws(() => parseMemoryBytes(bad), (e: Error) => {
      assert.match(e.message, /^Invalid memory size ".*": /);
      return true;
    }, bad);
  }
});

Deno.test("memoryMebibytes() rounds up and formatMemory() is short", () => {
  assert.equal(memoryMebibytes(1), 1);
  assert.equal(memoryMebibytes(1.5 * G), 1536);
  assert.equal(formatMemory(8 * G), "8G");
  assert.equal(formatMemory(1.5 * G), "1.5G");
  assert.equal(formatMemory(512 * M), "512M");
});
