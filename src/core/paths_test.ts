import assert from "node:assert/strict";
import * as node from "node:path";
import { basename, dirname, isAbsolute, join, normalize, resolve } from "./paths.ts";

const SAMPLES = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "/a",
  "/a/",
  "a/b",
  "/a/b/",
  "a//b",
  "/a/./b",
  "/a/../b",
  "a/../..",
  "../a/b",
  "/../a",
  "/a/b/../../..",
  "./a/./b/.",
  "~/.molq/jobs",
  "/home/u/.molq/jobs/3f2a/job.sh",
  "a b/c d",
];

Deno.test("paths: normalize, dirname, basename and isAbsolute agree with node:path", () => {
  for (const path of SAMPLES) {
    assert.equal(normalize(path), node.posix.normalize(path).replace(/(.)\/$/, "$1"), path);
    // node:path keeps a doubled slash in a dirname ("a//b" → "a/"); ours does not.
    if (!/.\/\//.test(path)) {
      assert.equal(dirname(path), node.posix.dirname(path), `dirname ${path}`);
    }
    assert.equal(basename(path), node.posix.basename(path), `basename ${path}`);
    assert.equal(isAbsolute(path), node.posix.isAbsolute(path), `isAbsolute ${path}`);
  }
});

Deno.test("paths: dirname drops a doubled slash", () => {
  assert.equal(dirname("a//b"), "a");
  assert.equal(dirname("/a//b"), "/a");
});

Deno.test("paths: join and resolve agree with node:path", () => {
  for (const a of SAMPLES) {
    for (const b of ["x", "../y", "/abs", "", "z/"]) {
      assert.equal(join(a, b), node.posix.join(a, b).replace(/(.)\/$/, "$1"), `join ${a} ${b}`);
      assert.equal(resolve(a, b), node.posix.resolve(a, b), `resolve ${a} ${b}`);
    }
  }
  assert.equal(join(), ".");
  assert.equal(join("/jobs", "3f2a", "job.sh"), "/jobs/3f2a/job.sh");
});
