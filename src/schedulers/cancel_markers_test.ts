import assert from "node:assert/strict";
import { join } from "node:path";
import { runCommand } from "../process/run_command.ts";
import type { Runner } from "../process/runner.ts";
import { cutLinkRunner } from "../testing/cut_link_runner.ts";
import { CANCELLED_MARKER, withCancelMarkers } from "./job_files.ts";
import { LsfScheduler } from "./lsf.ts";
import { PbsScheduler } from "./pbs.ts";
import type { TrackedJob } from "./scheduler.ts";
import { SgeScheduler } from "./sge.ts";

Deno.test("withCancelMarkers() writes each marker (0600, the time in ms), then runs the command", async () => {
  const home = Deno.makeTempDirSync({ prefix: "molq-markers-" });
  try {
    const dirs = [join(home, "a b"), join(home, "c")];
    for (const dir of dirs) Deno.mkdirSync(dir);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const marked = withCancelMarkers(["sh", "-c", 'echo "$1"; exit 3', "x", "ran"], [
      ...dirs,
      join(home, "gone"), // a directory cleanup removed: no marker, no error
    ]);
    const result = await runCommand(marked.argv, { env: marked.env, allowFailure: true });
    assert.deepEqual([result.code, result.stdout, result.stderr], [3, "ran\n", ""]);
    for (const dir of dirs) {
      const marker = join(dir, CANCELLED_MARKER);
      assert.equal(Deno.statSync(marker).mode! & 0o777, 0o600);
      const at = Number(Deno.readTextFileSync(marker).trim());
      assert.ok(at >= before && at <= Date.now(), `${at}`);
    }
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("withCancelMarkers() writes no marker when the cancel command is missing", async () => {
  const home = Deno.makeTempDirSync({ prefix: "molq-markers-" });
  try {
    const marked = withCancelMarkers(["molq-no-such-qdel", "42"], [home]);
    const result = await runCommand(marked.argv, { env: marked.env, allowFailure: true });
    assert.deepEqual([result.code, result.stderr], [
      127,
      "molq-no-such-qdel: command not found\n",
    ]);
    assert.throws(() => Deno.statSync(join(home, CANCELLED_MARKER)), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("PBS, LSF and Grid Engine cancels write no marker of their own: a cut link leaves none", async () => {
  const job: TrackedJob = {
    jobId: "j1",
    schedulerJobId: "42",
    jobDir: "/jobs/a",
    state: "running",
    submittedAt: 1,
    timeLimitSeconds: null,
    arrayTaskId: null,
  };
  for (
    const make of [
      (runner: Runner) => new PbsScheduler({ flavour: "pro", runner }),
      (runner: Runner) => new LsfScheduler({ runner }),
      (runner: Runner) => new SgeScheduler({ runner }),
    ]
  ) {
    const { runner, written, markers } = cutLinkRunner();
    const scheduler = make(runner);
    await assert.rejects(scheduler.cancel([job]));
    assert.deepEqual(written, [], `${scheduler.kind}: no marker before the cancel step`);
    assert.deepEqual(markers, ["/jobs/a/cancelled"], `${scheduler.kind}: the step writes it`);
  }
});
