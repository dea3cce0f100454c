import assert from "node:assert/strict";
import { parseQstatFull, parseQstatJson } from "./pbs_parse.ts";
import { observePbsStatus } from "./pbs_states.ts";
import { observeEvidence } from "./evidence_observation.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/pbs/${name}`, import.meta.url));
const pro = new Map(parseQstatJson(sample("qstat_pro_jobs.json")).map((j) => [j.id, j]));
const torque = new Map(parseQstatFull(sample("qstat_torque.txt")).map((j) => [j.id, j]));
const asPro = { flavour: "pro", cancelRequested: false, isArray: false } as const;
const asTorque = { ...asPro, flavour: "torque" } as const;

Deno.test("observePbsStatus() maps PBS Pro finished jobs by Exit_status", () => {
  assert.equal(observePbsStatus(pro.get("101.server")!, asPro).state, "succeeded");
  const failed = observePbsStatus(pro.get("102.server")!, asPro);
  assert.deepEqual([failed.state, failed.exitCode, failed.failureReason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  const slow = observePbsStatus(pro.get("103.server")!, asPro);
  assert.equal(slow.state, "timed_out");
  assert.equal(slow.failureReason, "Killed by PBS after exceeding its walltime limit of 120 s.");
  const killed = observePbsStatus(pro.get("104.server")!, asPro);
  assert.deepEqual([killed.state, killed.exitCode], ["failed", 143]);
  assert.equal(killed.failureReason, "Killed by SIGTERM (PBS exit status 271).");
  const launch = observePbsStatus(pro.get("108.server")!, asPro);
  assert.equal(launch.state, "failed");
  assert.match(launch.failureReason!, /^PBS could not run the job: exit status -1, JOB_EXEC_FAIL1/);
});

Deno.test("observePbsStatus() reads a qdel as cancelled when molq asked for it", () => {
  const cancelled = observePbsStatus(pro.get("104.server")!, { ...asPro, cancelRequested: true });
  assert.deepEqual([cancelled.state, cancelled.exitCode], ["cancelled", 143]);
});

Deno.test("observePbsStatus() reports a job PBS deleted for its dependency as cancelled", () => {
  const orphan = observePbsStatus(pro.get("107.server")!, asPro);
  assert.equal(orphan.state, "cancelled");
  assert.equal(
    orphan.failureReason,
    "Deleted by PBS before it started: Job deleted as result of dependency on job 102.server.",
  );
});

Deno.test("observePbsStatus() never treats T, M, B, E or unknown letters as final", () => {
  const running = pro.get("105.server")!;
  for (const letter of ["T", "M", "B", "E", "Z"]) {
    const observation = observePbsStatus({ ...running, state: letter }, asPro);
    assert.ok(["queued", "running"].includes(observation.state), letter);
  }
  assert.deepEqual(observePbsStatus(pro.get("106.server")!, asPro), {
    state: "queued",
    detail: "held",
    startedAt: null,
  });
  // Torque's C is PBS Pro's nothing, and PBS Pro's F is not Torque's final letter.
  assert.equal(
    observePbsStatus({ ...running, state: "F", exitStatus: 0 }, asTorque).state,
    "running",
  );
});

Deno.test("observePbsStatus() maps Torque walltime kills: -11, or a signal at the limit", () => {
  assert.equal(observePbsStatus(torque.get("301.host")!, asTorque).state, "succeeded");
  assert.equal(observePbsStatus(torque.get("302.host")!, asTorque).state, "timed_out");
  assert.equal(observePbsStatus(torque.get("303.host")!, asTorque).state, "running");
  assert.equal(observePbsStatus(torque.get("304.host")!, asTorque).state, "timed_out");
  assert.equal(observePbsStatus(torque.get("305[1].host")!, asTorque).exitCode, 2);
});

Deno.test("observePbsStatus() reads an array's own Exit_status", () => {
  const array = parseQstatJson(sample("qstat_pro_array.json"))[0]!;
  const asArray = { ...asPro, isArray: true };
  assert.equal(observePbsStatus(array, asArray).state, "running");
  assert.equal(
    observePbsStatus({ ...array, state: "F", exitStatus: 0 }, asArray).state,
    "succeeded",
  );
  assert.equal(observePbsStatus({ ...array, state: "F", exitStatus: 1 }, asArray).state, "failed");
});

Deno.test("observeEvidence() trusts the job's exit code and molq's cancel marker", () => {
  assert.equal(
    observeEvidence("PBS", { exitCode: 0, timedOut: false, cancelled: false })?.state,
    "succeeded",
  );
  assert.equal(
    observeEvidence("PBS", { exitCode: 4, timedOut: false, cancelled: false })?.failureReason,
    "Exited with code 4.",
  );
  assert.equal(
    observeEvidence("PBS", { exitCode: 143, timedOut: false, cancelled: true })?.state,
    "cancelled",
  );
  assert.equal(observeEvidence("PBS", { timedOut: false, cancelled: true })?.state, "cancelled");
  assert.equal(observeEvidence("PBS", { startedAt: 1, timedOut: false, cancelled: false }), null);
});
