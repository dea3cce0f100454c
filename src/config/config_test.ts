import assert from "node:assert/strict";
import { builtinConfig, CLUSTER_NAME_PATTERN, findProfile, isSchedulerKind } from "./config.ts";

Deno.test("builtinConfig() holds the documented defaults and is a fresh copy each time", () => {
  const config = builtinConfig();
  assert.deepEqual(config.retention, { jobDirsDays: 30, recordsDays: 90, keepFailedDirs: true });
  assert.deepEqual(config.retry, { attempts: 1, backoffSeconds: 30, onExitCodes: [] });
  assert.equal(config.color, "auto");
  const mutated = builtinConfig();
  mutated.retry.onExitCodes.push(1);
  mutated.retention.recordsDays = 1;
  assert.deepEqual(builtinConfig().retry.onExitCodes, []);
  assert.equal(builtinConfig().retention.recordsDays, 90);
});

Deno.test("findProfile() and isSchedulerKind() see own names only", () => {
  const config = builtinConfig();
  assert.equal(findProfile(config, "toString"), undefined);
  assert.equal(findProfile(config, "constructor"), undefined);
  assert.equal(isSchedulerKind("slurm"), true);
  assert.equal(isSchedulerKind("toString"), false);
});

Deno.test("CLUSTER_NAME_PATTERN takes letters, digits, _ . - after a letter or digit", () => {
  for (const name of ["hpc", "pbs1", "a.b", "A_b-c", "0"]) assert.match(name, CLUSTER_NAME_PATTERN);
  for (const name of ["", "-x", ".x", "_x", "a b", "a/b", "é"]) {
    assert.doesNotMatch(name, CLUSTER_NAME_PATTERN);
  }
});
