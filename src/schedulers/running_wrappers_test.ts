import assert from "node:assert/strict";
import { join } from "../core/paths.ts";
import { processExists, RunningWrappers } from "./running_wrappers.ts";
import { LocalScheduler } from "./local.ts";
import { localRunner } from "../process/local_runner.ts";
import type { Runner } from "../process/runner.ts";
import type { TrackedJob } from "./scheduler.ts";
import { exists } from "../testing/exists.ts";

Deno.test("RunningWrappers: remembered while the pid exists, the directory stands still and it is recent", () => {
  const alive = new Set([812]);
  const mtimes = new Map([["/jobs/a", 1_000], ["/jobs/b", 2_000]]);
  const memory = new RunningWrappers(
    30_000,
    (pid) => alive.has(pid),
    (dir) => mtimes.get(dir) ?? null,
  );
  const before = memory.mtimesBefore(["/jobs/a", "/jobs/gone"]);
  memory.remember([{ dir: "/jobs/a", pid: 812 }], before, new Set(), 0);
  assert.equal(memory.stillRunning("/jobs/a", 812, 10_000), true);
  assert.equal(memory.stillRunning("/jobs/a", 813, 10_000), false, "another pid");
  assert.equal(memory.stillRunning("/jobs/b", 812, 10_000), false, "never seen");
  assert.equal(memory.stillRunning("/jobs/a", 812, 30_000), false, "probed again after 30 s");
  mtimes.set("/jobs/a", 1_001); // the wrapper wrote its exit code
  assert.equal(memory.stillRunning("/jobs/a", 812, 10_000), false);
  mtimes.set("/jobs/a", 1_000);
  alive.delete(812);
  assert.equal(memory.stillRunning("/jobs/a", 812, 10_000), false, "its pid is gone");
  memory.remember([], new Map(), new Set(), 10_000);
  assert.equal(memory.size, 0, "what a pass no longer asks about is forgotten");
});

Deno.test("processExists() is kill(pid, 0)", () => {
  assert.equal(processExists(Deno.pid), true);
  assert.equal(processExists(2 ** 22 + 12345), false);
});

/** The local runner, counting the evidence steps it runs. */
function countingRunner(): Runner & { steps: number } {
  const runner = Object.create(localRunner) as Runner & { steps: number };
  runner.steps = 0;
  runner.run = (argv, options) => {
    if (argv[3] === "molq-snapshot") runner.steps++;
    return localRunner.run(argv, options);
  };
  return runner;
}

Deno.test("a long-lived LocalScheduler probes a running wrapper again only once its directory changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "molq-remembered-" });
  // A wrapper as molq starts one: in its job directory, its own session.
  const child = new Deno.Command("setsid", {
    args: ["/bin/sh", "-c", "sleep 30 & wait; echo 0 >exit_code.tmp && mv exit_code.tmp exit_code"],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const runner = countingRunner();
  const scheduler = new LocalScheduler({ runner });
  const job: TrackedJob = {
    jobId: "j1",
    schedulerJobId: String(child.pid),
    jobDir: dir,
    state: "running",
    submittedAt: Date.now(),
    timeLimitSeconds: null,
    arrayTaskId: null,
    host: { hostname: Deno.hostname(), bootId: null },
  };
  try {
    for (let pass = 1; pass <= 4; pass++) {
      const report = await scheduler.status([job]);
      assert.equal(report.observations.get("j1")?.state, "running", `pass ${pass}`);
    }
    assert.equal(runner.steps, 2, "the first two passes probe, the next ones remember");
    // The job ends: its wrapper writes the exit code into the directory, then exits (and
    // stays a zombie until we reap it: kill(pid, 0) alone would still find it).
    await new Deno.Command("pkill", { args: ["-P", String(child.pid), "sleep"] }).output();
    while (!exists(join(dir, "exit_code"))) await new Promise((r) => setTimeout(r, 20));
    const ended = await scheduler.status([job]);
    assert.equal(ended.observations.get("j1")?.state, "succeeded");
    assert.equal(runner.steps, 3);
  } finally {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // It ended already.
    }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
