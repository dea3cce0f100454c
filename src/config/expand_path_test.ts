import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import { expandPath } from "./expand_path.ts";

const env = (name: string) =>
  ({ USER: "ada", HOME: "/home/ada", EMPTY: "" } as Record<string, string>)[name];

Deno.test("expandPath() expands $VAR, ${VAR}, ~ and $$", () => {
  assert.equal(expandPath("/scratch/$USER/jobs", env), "/scratch/ada/jobs");
  assert.equal(expandPath("${HOME}/bin/sbatch", env), "/home/ada/bin/sbatch");
  assert.equal(expandPath("$USER${USER}x", env), "adaadax");
  assert.equal(expandPath("~", env), "/home/ada");
  assert.equal(expandPath("~/molq", env), "/home/ada/molq");
  assert.equal(expandPath("/a/~b/$$USER", env), "/a/~b/$USER");
  assert.equal(expandPath("/cost$/-$", env), "/cost$/-$");
  assert.equal(expandPath("/plain/path", env), "/plain/path");
});

Deno.test("expandPath() rejects unset variables, ~user and broken ${ forms", () => {
  const cases: [string, RegExp][] = [
    ["/x/$NOPE/y", /environment variable NOPE is not set/],
    ["/x/${NOPE}", /environment variable NOPE is not set/],
    ["/x/$EMPTY", /environment variable EMPTY is not set/],
    ["~bob/x", /only "~" and "~\/" are supported/],
    ["/x/${USER", /has no closing/],
    ["/x/${}", /is not a variable name/],
    ["/x/${1A}", /is not a variable name/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => expandPath(text, env), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(
        error.message,
        new RegExp(`^Cannot expand "${text.replace(/[$^{}[\]\\.]/g, "\\$&")}": `),
      );
      assert.match(error.message, pattern);
      return true;
    }, text);
  }
  assert.throws(() => expandPath("~/x", () => undefined), /HOME is not set/);
});
