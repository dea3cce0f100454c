import assert from "node:assert/strict";
import {
  closestKey,
  dottedKey,
  problemFromSentence,
  Problems,
  readTable,
  tomlType,
} from "./_fields.ts";

Deno.test("dottedKey() quotes segments that are not bare TOML keys", () => {
  assert.equal(dottedKey(["clusters", "hpc", "defaults", "mem"]), "clusters.hpc.defaults.mem");
  assert.equal(dottedKey(["clusters", "a.b", "scheduler"]), 'clusters."a.b".scheduler');
  assert.equal(dottedKey([]), "");
});

Deno.test("problemFromSentence() turns a core parser's sentence into a problem clause", () => {
  assert.equal(
    problemFromSentence('Invalid memory size "16Q": expected a number with a unit.'),
    'invalid memory size "16Q" (expected a number with a unit)',
  );
  assert.equal(
    problemFromSentence('Invalid duration "0s": it must be more than zero.'),
    'invalid duration "0s": it must be more than zero',
  );
});

Deno.test("closestKey() suggests a near known key and nothing for a far one", () => {
  const known = ["partition", "account", "qos", "mem"];
  assert.equal(closestKey("partiton", known), "partition");
  assert.equal(closestKey("acount", known), "account");
  assert.equal(closestKey("Mem", known), "mem");
  assert.equal(closestKey("walltime", known), undefined);
});

Deno.test("readTable() reports a non-table and each unknown key", () => {
  const problems = new Problems();
  assert.equal(readTable(3, ["retry"], problems, ["attempts"]), undefined);
  assert.deepEqual(
    readTable({ attempts: 2, atempts: 3, x: 1 }, ["retry"], problems, ["attempts"]),
    {
      attempts: 2,
      atempts: 3,
      x: 1,
    },
  );
  assert.deepEqual(problems.list, [
    { at: "retry", message: "expected a table, got an integer" },
    { at: "retry.atempts", message: 'unknown key (did you mean "attempts"?)' },
    { at: "retry.x", message: "unknown key" },
  ]);
  assert.equal(tomlType(1.5), "a float");
  assert.equal(tomlType(new Date()), "a date-time");
});
