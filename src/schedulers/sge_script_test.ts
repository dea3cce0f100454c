import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import type { JobRequest } from "../core/job_request.ts";
import type { SubmitContext } from "./scheduler.ts";
import {
  parseSgeArraySpec,
  renderSgeScript,
  sgeArrayTaskIds,
  sgeDirectives,
  sgeJobName,
  sgeTaskLogPath,
  validateSgeRequest,
} from "./sge_script.ts";

function context(request: Partial<JobRequest> = {}, dir = "/jobs/abc"): SubmitContext {
  return {
    jobId: "0123456789abcdef",
    jobDir: dir,
    stdoutPath: `${dir}/stdout.log`,
    stderrPath: `${dir}/stderr.log`,
    dependencies: [],
    request: {
      command: { type: "argv", argv: ["echo", "hi"] },
      workdir: "/work",
      env: {},
      resources: {},
      scheduling: {},
      dependencies: [],
      metadata: {},
      extraArgs: [],
      ...request,
    },
  };
}

Deno.test("sgeDirectives() maps every supported field onto its qsub option", () => {
  const lines = sgeDirectives(
    context({
      name: "fit run",
      resources: { cpus: 4, memoryBytes: 8 * 1024 ** 3, timeLimitSeconds: 5400 },
      scheduling: { partition: "long.q", account: "physics", reservation: "17", array: "1-9:2%3" },
    }),
    "mpi-smp",
  );
  assert.deepEqual(lines, [
    "-S /bin/sh",
    "-N fit_run",
    "-wd /work",
    "-o /jobs/abc/stdout.$TASK_ID.log",
    "-e /jobs/abc/stderr.$TASK_ID.log",
    "-pe mpi-smp 4",
    "-l h_vmem=2048M",
    "-l h_rt=01:30:00",
    "-q long.q",
    "-P physics",
    "-ar 17",
    "-t 1-9:2",
    "-tc 3",
  ]);
});

Deno.test("sgeDirectives() of a plain job: a default name, its own log paths, no resources", () => {
  assert.deepEqual(sgeDirectives(context(), "smp"), [
    "-S /bin/sh",
    "-N molq-01234567",
    "-wd /work",
    "-o /jobs/abc/stdout.log",
    "-e /jobs/abc/stderr.log",
  ]);
  // --mem without --cpus is all on one slot; MiB rounded up.
  assert.deepEqual(
    sgeDirectives(context({ resources: { memoryBytes: 1.5 * 1024 ** 2 + 1 } }), "smp").at(-1),
    "-l h_vmem=2M",
  );
});

Deno.test("sgeDirectives() quotes words with spaces and refuses what #$ lines would alter", () => {
  const spaced = sgeDirectives(context({ workdir: "/my work" }, "/my jobs/x"), "smp");
  assert.deepEqual(spaced.slice(2, 5), [
    '-wd "/my work"',
    '-o "/my jobs/x/stdout.log"',
    '-e "/my jobs/x/stderr.log"',
  ]);
  for (const workdir of ["/a#b", "/it's", '/say "hi"', "/a\nb"]) {
    assert.throws(() => sgeDirectives(context({ workdir }), "smp"), UsageError, workdir);
  }
  for (const dir of ["/a,b", "/host:path", "/$HOME"]) {
    assert.throws(
      () => sgeDirectives(context({}, dir), "smp"),
      (error: Error) => error instanceof UsageError && error.message.includes("log path"),
      dir,
    );
  }
});

Deno.test("sgeJobName() keeps names Grid Engine accepts", () => {
  assert.equal(sgeJobName("train-v2.1_x"), "train-v2.1_x");
  assert.equal(sgeJobName("a b/c:d@e*f?g#h'i\"j"), "a_b_c_d_e_f_g_h_i_j");
  assert.equal(sgeJobName("42"), "j42");
  assert.equal(sgeJobName("x".repeat(300)).length, 200);
});

Deno.test("parseSgeArraySpec() takes one range from 1 with a step and a %N limit", () => {
  assert.deepEqual(parseSgeArraySpec("1-4"), { first: 1, last: 4, step: 1, throttle: null });
  assert.deepEqual(parseSgeArraySpec("5"), { first: 5, last: 5, step: 1, throttle: null });
  assert.deepEqual(parseSgeArraySpec("2-10:2%3"), { first: 2, last: 10, step: 2, throttle: 3 });
  for (const bad of ["0-3", "1,3,5", "4-1", "1-4:0", "1-4%0", "a"]) {
    assert.throws(() => parseSgeArraySpec(bad), UsageError, bad);
  }
  assert.deepEqual(sgeArrayTaskIds("2-10:3"), ["2", "5", "8"]);
  assert.equal(sgeArrayTaskIds("1-100000"), null);
});

Deno.test("validateSgeRequest() names every unsupported field in one message", () => {
  assert.throws(
    () =>
      validateSgeRequest(
        context({
          resources: { gpus: 1, nodes: 2, exclusive: true },
          scheduling: { qos: "high" },
        }).request,
      ),
    (error: Error) =>
      error instanceof UsageError &&
      error.message === "The sge scheduler does not support --gpus, --nodes, --exclusive, --qos.",
  );
  assert.throws(
    () => validateSgeRequest(context({ scheduling: { array: "0-3" } }).request),
    UsageError,
  );
  validateSgeRequest(
    context({
      dependencies: [{ kind: "afterok", jobId: "x" }, { kind: "afterstart", jobId: "y" }],
      extraArgs: ["-l", "gpu=1"],
    }).request,
  );
});

Deno.test("renderSgeScript() puts the #$ lines first and writes per-task evidence for arrays", () => {
  const plain = renderSgeScript(context(), "smp");
  assert.ok(plain.startsWith("#!/bin/sh\n#$ -S /bin/sh\n#$ -N molq-01234567\n"));
  assert.match(plain, /\$JOB_ID/);
  assert.match(plain, /^cd \/work && echo hi$/m);
  const array = renderSgeScript(context({ scheduling: { array: "1-4" } }), "smp");
  assert.match(array, /^#\$ -t 1-4:1$/m);
  assert.match(array, /"\$molq_stage\/exit_code\.\$\{SGE_TASK_ID\}"/);
  assert.equal(sgeTaskLogPath("/jobs/abc/stdout.log", "3"), "/jobs/abc/stdout.3.log");
});
