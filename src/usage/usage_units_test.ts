import assert from "node:assert/strict";
import { formatSeconds, formatShare, formatSize, memoryFlag, timeFlag } from "./usage_units.ts";

Deno.test("formatSize() reads like a person would say it", () => {
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(225181696), "215 MiB");
  assert.equal(formatSize(7.4 * 1024 ** 3), "7.4 GiB");
  assert.equal(formatSize(64 * 1024 ** 3), "64 GiB");
  assert.equal(formatSize(1536 * 1024), "1.5 MiB");
});

Deno.test("formatSeconds() keeps small CPU times and drops zero parts of long ones", () => {
  assert.equal(formatSeconds(0.012), "0.01s");
  assert.equal(formatSeconds(0), "0s");
  assert.equal(formatSeconds(2.096), "2.1s");
  assert.equal(formatSeconds(59), "59s");
  assert.equal(formatSeconds(192), "3m12s");
  assert.equal(formatSeconds(600), "10m");
  assert.equal(formatSeconds(7200), "2h");
  assert.equal(formatSeconds(7500), "2h05m");
});

Deno.test("formatShare() never rounds a small share to nothing", () => {
  assert.equal(formatShare(0.835), "84%");
  assert.equal(formatShare(0.0067), "0.7%");
  assert.equal(formatShare(0), "0%");
  assert.equal(formatShare(1.02), "102%");
});

Deno.test("memoryFlag() and timeFlag() round up to values people type", () => {
  assert.equal(memoryFlag(7.4 * 1.2 * 1024 ** 3), "9G", "the issue's example: 7.4 GiB → 9G");
  assert.equal(memoryFlag(257 * 1024 ** 2), "300M");
  assert.equal(memoryFlag(10 * 1024 ** 2), "100M");
  assert.equal(memoryFlag(1024 ** 3), "1G");
  assert.equal(memoryFlag(950 * 1024 ** 2), "1000M");
  assert.equal(timeFlag(61), "5m");
  assert.equal(timeFlag(1201), "25m");
  assert.equal(timeFlag(3601), "2h");
  assert.equal(timeFlag(3 * 86400), "3d");
});
