import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import type { JobRequest } from "../core/job_request.ts";
import { pbsDirectives, pbsJobName, renderPbsScript, validatePbsRequest } from "./pbs_script.ts";
import type { SubmitContext } from "./scheduler.ts";

function context(
  overrides: Partial<JobRequest> = {},
  dependencies: SubmitContext["dependencies"] = [],
) {
  const request: JobRequest = {
    command: { type: "argv", argv: ["python", "train.py"] },
    workdir: "/work",
    env: {},
    resources: {},
    scheduling: {},
    dependencies: dependencies.map(({ kind, jobId }) => ({ kind, jobId })),
    metadata: {},
    extraArgs: [],
    ...overrides,
  };
  return {
    jobId: "j1",
    jobDir: "/jobs/j1",
    request,
    stdoutPath: "/jobs/j1/stdout.log",
    stderrPath: "/jobs/j1/stderr.log",
    dependencies,
  };
}

Deno.test("pbsDirectives() renders every PBS Pro field", () => {
  const c = context({
    name: "train run",
    resources: {
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
      timeLimitSeconds: 5400,
      gpus: 1,
      nodes: 2,
      exclusive: true,
    },
    scheduling: { partition: "gpu", account: "proj-1", array: "0-3" },
  }, [
    { kind: "afterok", jobId: "a", schedulerJobId: "10.server" },
    { kind: "afterok", jobId: "b", schedulerJobId: "11[].server" },
    { kind: "after", jobId: "c", schedulerJobId: "12.server" },
    { kind: "afterstart", jobId: "d", schedulerJobId: "13.server" },
  ]);
  assert.deepEqual(pbsDirectives(c, "pro"), [
    "-N train_run",
    "-q gpu",
    "-A proj-1",
    "-l select=2:ncpus=4:mem=8192mb:ngpus=1",
    "-l place=scatter:excl",
    "-l walltime=01:30:00",
    "-o '/jobs/j1/stdout.^array_index^.log'",
    "-e '/jobs/j1/stderr.^array_index^.log'",
    "-J 0-3",
    "-W 'depend=afterok:10.server:11[].server,afterany:12.server,after:13.server'",
  ]);
});

Deno.test("pbsDirectives() renders Torque's nodes, ppn and -t", () => {
  const c = context({
    resources: { cpus: 2, memoryBytes: 512 * 1024 ** 2, gpus: 1, timeLimitSeconds: 3 },
    scheduling: { array: "1,3,5-7" },
  });
  assert.deepEqual(pbsDirectives(c, "torque"), [
    "-l nodes=1:ppn=2:gpus=1,mem=512mb",
    "-l walltime=00:00:03",
    "-o /jobs/j1/stdout.log",
    "-e /jobs/j1/stderr.log",
    "-t 1,3,5-7",
  ]);
});

Deno.test("renderPbsScript() puts directives before the body and indexes array evidence", () => {
  const script = renderPbsScript(context({ scheduling: { array: "0-1" } }), "pro");
  const lines = script.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  assert.ok(lines.slice(1, 4).every((line) => line.startsWith("#PBS ")));
  assert.match(script, /exit_code\.\$\{PBS_ARRAY_INDEX\}/);
  assert.match(
    renderPbsScript(context({ scheduling: { array: "0-1" } }), "torque"),
    /\$\{PBS_ARRAYID\}/,
  );
});

Deno.test("pbsDirectives() quotes values and refuses line breaks", () => {
  const quoted = pbsDirectives(context({ scheduling: { account: "a b'c" } }), "pro");
  assert.equal(quoted[0], `-A 'a b'"'"'c'`);
  assert.throws(
    () => pbsDirectives(context({ scheduling: { partition: "q\n#PBS -A x" } }), "pro"),
    UsageError,
  );
});

Deno.test("validatePbsRequest() lists every unsupported field in one message", () => {
  const request = context({
    resources: { gpuType: "a100", exclusive: true },
    scheduling: { qos: "high", reservation: "r1" },
  }).request;
  assert.throws(() => validatePbsRequest(request, "torque"), {
    message: "The pbs scheduler does not support --gpu-type, --exclusive, --qos, --reservation.",
  });
  assert.throws(
    () => validatePbsRequest(context({ scheduling: { array: "1,3" } }).request, "pro"),
    UsageError,
  );
  validatePbsRequest(context({ scheduling: { array: "0-99:2%10" } }).request, "pro");
});

Deno.test("pbsJobName() makes any name acceptable to qsub -N", () => {
  assert.equal(pbsJobName("train"), "train");
  assert.equal(pbsJobName("1st run/α"), "j1st_run__");
});
