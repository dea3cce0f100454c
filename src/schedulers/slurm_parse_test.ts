import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import {
  expandTaskRange,
  parseSacctOutput,
  parseSbatchOutput,
  parseSlurmTime,
  parseSqueueOutput,
  sbatchErrorMessage,
} from "./slurm_parse.ts";

/** Real output of SLURM 22.05 on the dev cluster (scripts/slurm-dev-cluster.sh). */
function captured(name: string): string {
  return Deno.readTextFileSync(new URL(`../../testdata/slurm/${name}`, import.meta.url));
}

const T = 1795599421_000; // 2026-11-25T09:37:01 UTC, as epoch ms

Deno.test("parseSbatchOutput() reads ID and ID;cluster", () => {
  assert.deepEqual(parseSbatchOutput(captured("sbatch_parsable.txt")), {
    jobId: "20",
    cluster: null,
  });
  assert.deepEqual(parseSbatchOutput("4242;molqdev\n"), { jobId: "4242", cluster: "molqdev" });
  assert.deepEqual(parseSbatchOutput("site banner: be nice\n77\n"), { jobId: "77", cluster: null });
});

Deno.test("parseSbatchOutput() refuses output without a job id", () => {
  assert.throws(() => parseSbatchOutput(""), /sbatch printed no job id/);
  assert.throws(() => parseSbatchOutput("Submitted batch job 12\n"), MolqError);
});

Deno.test("sbatchErrorMessage() gives sbatch's own reason as one sentence", () => {
  assert.equal(
    sbatchErrorMessage(captured("sbatch_invalid_partition.stderr.txt"), "", 1),
    "Batch job submission failed: Invalid partition name specified.",
  );
  assert.equal(
    sbatchErrorMessage(captured("sbatch_invalid_time.stderr.txt"), "", 255),
    "Invalid --time specification.",
  );
  assert.equal(
    sbatchErrorMessage(captured("sbatch_too_many_cpus.stderr.txt"), "", 1),
    "Batch job submission failed: More processors requested than permitted.",
  );
  assert.equal(
    sbatchErrorMessage(captured("sbatch_memory.stderr.txt"), "", 1),
    "Batch job submission failed: Requested node configuration is not available.",
  );
  assert.equal(
    sbatchErrorMessage("", "", 9),
    "sbatch failed with exit code 9 and printed nothing.",
  );
  assert.equal(sbatchErrorMessage("wrapper: quota exceeded\n", "", 2), "wrapper: quota exceeded.");
});

Deno.test("parseSqueueOutput() reads captured squeue output with local times", () => {
  const rows = parseSqueueOutput(captured("squeue_finished_iso.txt"));
  assert.equal(rows.length, 11);
  const local = new Date(2026, 10, 25, 9, 37, 1).getTime();
  assert.deepEqual(rows[0], {
    id: "2",
    arrayJobId: null,
    arrayTask: null,
    state: "COMPLETED",
    cancelledBy: null,
    reason: null,
    exit: null,
    startedAt: local,
    finishedAt: local,
    hasRun: false,
  });
  const running = rows.find((row) => row.id === "4")!;
  assert.equal(running.state, "RUNNING");
  assert.equal(running.finishedAt, null); // NONE: no end while running without a limit
  assert.equal(running.hasRun, true);
});

Deno.test("parseSqueueOutput() reads epoch times (SLURM_TIME_FORMAT=%s)", () => {
  const rows = parseSqueueOutput(captured("squeue_finished_epoch.txt"));
  const failed = rows.find((row) => row.id === "3")!;
  assert.equal(failed.state, "FAILED");
  assert.equal(failed.reason, "NonZeroExitCode");
  assert.equal(failed.startedAt, T);
  const task = rows.find((row) => row.id === "6_2")!;
  assert.equal(task.arrayJobId, "6");
  assert.equal(task.arrayTask, "2");
  assert.equal(task.finishedAt, T + 2000);
  const launch = rows.find((row) => row.id === "7")!;
  assert.equal(launch.reason, "JobLaunchFailure");
  const never = rows.find((row) => row.id === "8")!;
  assert.deepEqual([never.state, never.reason, never.startedAt], [
    "PENDING",
    "DependencyNeverSatisfied",
    null,
  ]);
});

Deno.test("parseSqueueOutput() reads pending array tasks, holds and cancels", () => {
  const submitted = parseSqueueOutput(captured("squeue_submitted_iso.txt"));
  assert.deepEqual(
    submitted.filter((row) => row.arrayJobId === "6").map((row) => row.arrayTask),
    ["0", "1", "2", "3"],
  );
  assert.equal(submitted.find((row) => row.id === "5")?.reason, "JobHeldUser");
  const cancelled = parseSqueueOutput(captured("squeue_cancelled_epoch.txt"));
  assert.deepEqual(cancelled.map((row) => [row.id, row.state, row.hasRun]), [
    ["4", "CANCELLED", true],
    ["5", "CANCELLED", false],
    ["8", "PENDING", false],
    ["9", "PENDING", false],
  ]);
});

Deno.test("parseSqueueOutput() reads a TIMEOUT row", () => {
  const [row] = parseSqueueOutput(captured("squeue_timeout_epoch.txt"));
  assert.deepEqual([row!.state, row!.reason, row!.hasRun], ["TIMEOUT", "TimeLimit", true]);
  const [sacct] = parseSacctOutput(captured("sacct_timeout_epoch.txt"));
  assert.deepEqual([sacct!.state, sacct!.exit], ["TIMEOUT", { code: 0, signal: 0 }]);
});

Deno.test("parseSqueueOutput() reads a collapsed array row and empty output", () => {
  const [row] = parseSqueueOutput("8_[0-3%2]|8|PENDING|JobHeldUser|N/A|N/A|0:00\n");
  assert.deepEqual([row!.arrayJobId, row!.arrayTask], ["8", "[0-3%2]"]);
  assert.deepEqual(parseSqueueOutput(""), []);
  assert.deepEqual(parseSqueueOutput("\n"), []);
});

Deno.test("parseSqueueOutput() throws on any line it cannot read", () => {
  const bad = [
    "garbage",
    "12|12|RUNNING|None|N/A|N/A", // a field short
    "12|12|RUNNING|None|N/A|N/A|0:00|extra",
    "abc|12|RUNNING|None|N/A|N/A|0:00",
    "12|x|RUNNING|None|N/A|N/A|0:00",
    "12|12|running now|None|N/A|N/A|0:00",
    "12|12|RUNNING|None|yesterday|N/A|0:00",
    "12|12|RUNNING|None|N/A|N/A|soon",
    "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
  ];
  for (const line of bad) {
    const good = "2|2|COMPLETED|None|1795599421|1795599421|0:00\n";
    assert.throws(() => parseSqueueOutput(`${good}${line}\n`), /squeue printed a line/, line);
  }
});

Deno.test("parseSacctOutput() reads captured sacct output with code:signal", () => {
  const rows = parseSacctOutput(captured("sacct_mixed_epoch.txt"));
  assert.equal(rows.length, 11);
  const byId = new Map(rows.map((row) => [row.id, row]));
  assert.deepEqual(byId.get("3")?.exit, { code: 3, signal: 0 });
  assert.deepEqual(byId.get("7")?.exit, { code: 0, signal: 53 });
  assert.equal(byId.get("7")?.reason, null);
  assert.deepEqual(byId.get("6_2")?.exit, { code: 5, signal: 0 });
  assert.equal(byId.get("6_2")?.arrayJobId, "6");
  assert.equal(byId.get("4")?.finishedAt, null); // Unknown while running
  assert.equal(byId.get("5")?.startedAt, null);
  assert.equal(byId.get("5")?.reason, "JobHeldUser");
  const iso = parseSacctOutput(captured("sacct_mixed_iso.txt"));
  assert.equal(
    iso.find((row) => row.id === "2")?.startedAt,
    new Date(2026, 10, 25, 9, 37, 1).getTime(),
  );
});

Deno.test("parseSacctOutput() reads `CANCELLED by <uid>`", () => {
  const rows = parseSacctOutput(captured("sacct_cancelled_epoch.txt"));
  const cancelled = rows.filter((row) => row.state === "CANCELLED");
  assert.deepEqual(cancelled.map((row) => [row.id, row.cancelledBy, row.startedAt]), [
    ["4", "0", T],
    ["5", "0", null],
  ]);
  const [array] = parseSacctOutput(captured("sacct_array_cancelled_pending_epoch.txt"));
  assert.deepEqual([array!.id, array!.arrayJobId, array!.state], ["14", null, "CANCELLED"]);
});

Deno.test("parseSacctOutput() throws on garbage", () => {
  const bad = [
    "3|3|FAILED|3|1795599421|1795599421|None", // exit code without signal
    "3|3|FAILED|3:0|1795599421|1795599421", // a field short
    "3.batch|3|FAILED|3:0|1795599421|1795599421|None", // a step row: -X was not honoured
    "<html>proxy error</html>",
  ];
  for (const line of bad) {
    assert.throws(() => parseSacctOutput(`${line}\n`), /sacct printed a line/);
  }
});

Deno.test("parseSlurmTime() reads epoch seconds, local ISO times and SLURM's blanks", () => {
  assert.equal(parseSlurmTime("1795599421"), T);
  assert.equal(parseSlurmTime("2026-11-24T05:20:15"), new Date(2026, 10, 24, 5, 20, 15).getTime());
  for (const blank of ["N/A", "NONE", "None", "Unknown", ""]) {
    assert.equal(parseSlurmTime(blank), null);
  }
  assert.equal(parseSlurmTime("Tomorr 05:20"), undefined);
});

Deno.test("expandTaskRange() expands SLURM's task ranges", () => {
  assert.deepEqual(expandTaskRange("[0-3]"), ["0", "1", "2", "3"]);
  assert.deepEqual(expandTaskRange("[1,3,5-7]"), ["1", "3", "5", "6", "7"]);
  assert.deepEqual(expandTaskRange("[0-6:3%2]"), ["0", "3", "6"]);
  assert.equal(expandTaskRange("[0-999999]"), null);
  assert.equal(expandTaskRange("0-3"), null);
  assert.equal(expandTaskRange("[3-1]"), null);
});
