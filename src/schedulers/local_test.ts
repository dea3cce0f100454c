import assert from "node:assert/strict";
import { LocalScheduler } from "./local.ts";
import { observeHere } from "./local_observe.ts";
import type { Runner } from "../process/runner.ts";
import { parseSnapshotOutput } from "./job_files_snapshot.ts";
import type { TrackedJob } from "./scheduler.ts";
import { TransportError } from "../core/errors.ts";
import { cutLinkRunner } from "../testing/cut_link_runner.ts";

const BOOT = "11111111-1111-1111-1111-111111111111";
const OLD_BOOT = "00000000-0000-0000-0000-000000000000";

function job(host: string | null, bootId: string | null = BOOT, extra: Partial<TrackedJob> = {}) {
  return {
    jobId: "j1",
    schedulerJobId: "812",
    jobDir: "/jobs/a",
    state: "running",
    submittedAt: 1,
    timeLimitSeconds: null,
    arrayTaskId: null,
    host: host === null ? null : { hostname: host, bootId },
    ...extra,
  } satisfies TrackedJob;
}

/** A snapshot taken on `host`: optionally the job's wrapper running, and its files. */
function snapshot(host: string, options: { running?: boolean; files?: string[] } = {}) {
  const ps = options.running ? ["  812   812 S    /bin/sh /jobs/a/job.sh"] : [];
  const files = (options.files ?? []).map((line) => `0\t${line}`);
  const text = [
    `molq-host ${host}`,
    `molq-boot ${BOOT}`,
    "molq-ps",
    ...ps,
    "molq-files",
    ...files,
    "molq-end",
  ].join("\n");
  return parseSnapshotOutput(text, ["/jobs/a"]);
}

Deno.test("observeHere() leaves another host's job alone, even with nothing running here", () => {
  assert.equal(observeHere(job("login1"), snapshot("login2")), "elsewhere");
  assert.equal(
    observeHere(job("login1"), snapshot("login2", { files: ["exit_code\t0"] })),
    "elsewhere",
    "only its own host records its end",
  );
});

Deno.test("observeHere() judges its own host's job from the process table and files", () => {
  const running = observeHere(job("login1"), snapshot("login1", { running: true }));
  assert.equal(typeof running === "object" && running?.state, "running");
  const done = observeHere(job("login1"), snapshot("login1", { files: ["exit_code\t3"] }));
  assert.equal(typeof done === "object" && done?.state, "failed");
  const killed = observeHere(job("login1"), snapshot("login1", { files: ["started_at\t1"] }));
  assert.match(
    typeof killed === "object" && killed?.failureReason || "",
    /ended without recording/,
  );
});

Deno.test("observeHere() fails a job whose host restarted, saying so", () => {
  const observation = observeHere(
    job("login1", OLD_BOOT),
    snapshot("login1", { files: ["started_at\t1"] }),
  );
  assert.ok(typeof observation === "object" && observation);
  assert.equal(observation.state, "failed");
  assert.match(observation.failureReason!, /login1 was restarted/);
  const finished = observeHere(
    job("login1", OLD_BOOT),
    snapshot("login1", { files: ["exit_code\t0"] }),
  );
  assert.equal(typeof finished === "object" && finished?.state, "succeeded", "its exit code wins");
});

Deno.test("observeHere() takes over an assumed host's record when its wrapper runs here", () => {
  const legacy = job("login1", null, { hostAssumed: true });
  const adopted = observeHere(legacy, snapshot("login2", { running: true }));
  assert.ok(typeof adopted === "object" && adopted);
  assert.equal(adopted.state, "running");
  assert.deepEqual(adopted.host, { hostname: "login2", bootId: BOOT });
  assert.equal(observeHere(legacy, snapshot("login2")), "elsewhere", "no proof: not ours");
  const judged = observeHere(legacy, snapshot("login1", { files: ["exit_code\t0"] }));
  assert.ok(typeof judged === "object" && judged);
  assert.equal(judged.state, "succeeded");
  assert.equal(judged.host?.hostname, "login1", "the assumed host is recorded");
});

Deno.test("observeHere() reads the host the job wrote when the record has none", () => {
  const unknown = job(null);
  assert.equal(
    observeHere(unknown, snapshot("login2", { files: [`host\tlogin1 ${BOOT}`] })),
    "elsewhere",
  );
});

Deno.test("status() probes its own host's jobs, reads files only where the decision needs them", async () => {
  const asked: string[] = [];
  const runner: Runner = {
    where: "this host",
    remote: false,
    knownHostname: () => "login1",
    run: (argv, options) => {
      // The request lines: the step's last argument, or its stdin when there are many.
      asked.push(...String(options?.stdin ?? argv[5]).trim().split("\n"));
      const output = "molq-host login1\nmolq-boot " + BOOT +
        "\nmolq-processes\nmolq-files\n0\t:runs\t812\nmolq-end\n";
      return Promise.resolve({ code: 0, stdout: output, stderr: "" });
    },
    writeFile: () => Promise.resolve(),
    makePrivateDir: () => Promise.resolve(),
    removeFile: () => Promise.resolve(),
    startDetached: () => Promise.reject(new Error("not here")),
  };
  const report = await new LocalScheduler({ runner }).status([
    job("login1"),
    job("login2", BOOT, { jobId: "j2", jobDir: "/jobs/b" }),
    job("login1", BOOT, { jobId: "j3", jobDir: "/jobs/c", state: "submitted" }),
    job(null, null, { jobId: "j4", jobDir: "/jobs/d" }),
    job("login2", null, { jobId: "j5", jobDir: "/jobs/e", hostAssumed: true }),
  ]);
  assert.deepEqual(asked, [
    "p 812 /jobs/a", // running with a known host: its files only if the wrapper is gone
    "f 812 /jobs/c", // not running yet: its start time is news
    "f 812 /jobs/d", // no host recorded
    "f 812 /jobs/e", // a legacy record that may be ours after all
  ], "another host's job is not even probed");
  assert.equal(report.observations.get("j1")?.state, "running");
  assert.ok(report.elsewhere?.has("j2"));
});

Deno.test("cancel writes its markers only in the step that signals: a cut link leaves none", async () => {
  const { runner, written, markers } = cutLinkRunner();
  const scheduler = new LocalScheduler({ runner });
  await assert.rejects(scheduler.cancel([job("far1")]), TransportError);
  assert.deepEqual(written, [], "no marker of a cancel that may never have run");
  assert.deepEqual(markers, ["/jobs/a/cancelled"]);
});
