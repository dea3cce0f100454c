import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import type { JobRequest } from "../core/job_request.ts";
import { lsfDirectives, renderLsfScript, validateLsfRequest } from "./lsf_script.ts";
import type { SubmitContext } from "./scheduler.ts";

function context(
  overrides: Partial<JobRequest> = {},
  dependencies: SubmitContext["dependencies"] = [],
): SubmitContext {
  const request: JobRequest = {
    command: { type: "argv", argv: ["python", "train.py"] },
    workdir: "/work",
    env: {},
    resources: {},
    scheduling: {},
    dependencies: [],
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

Deno.test("lsfDirectives() renders every LSF field", () => {
  const c = context({
    name: "train",
    resources: {
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
      timeLimitSeconds: 5400,
      gpus: 2,
      gpuType: "a100",
      exclusive: true,
    },
    scheduling: { partition: "gpu", account: "proj", reservation: "r1", array: "1-10%2" },
  }, [
    { kind: "afterok", jobId: "a", schedulerJobId: "10" },
    { kind: "afternotok", jobId: "b", schedulerJobId: "11[3]" },
    { kind: "after", jobId: "c", schedulerJobId: "12" },
    { kind: "afterstart", jobId: "d", schedulerJobId: "13" },
  ]);
  assert.deepEqual(lsfDirectives(c), [
    "-J 'train[1-10]%2'",
    "-q gpu",
    "-P proj",
    "-U r1",
    "-n 4",
    "-R 'span[hosts=1]'",
    "-M 8192MB",
    "-W 90",
    "-gpu num=2:gmodel=a100",
    "-x",
    "-oo /jobs/j1/stdout.%I.log",
    "-eo /jobs/j1/stderr.%I.log",
    "-w 'done(10) && exit(11[3]) && ended(12) && started(13)'",
    "-ti",
  ]);
});

Deno.test("lsfDirectives() spreads nodes with ptile and rounds the run limit up to minutes", () => {
  const c = context({ resources: { nodes: 2, cpus: 8, timeLimitSeconds: 3 } });
  assert.deepEqual(lsfDirectives(c).slice(0, 3), ["-n 16", "-R 'span[ptile=8]'", "-W 1"]);
});

Deno.test("renderLsfScript() indexes array evidence by LSB_JOBINDEX", () => {
  const script = renderLsfScript(context({ scheduling: { array: "1-2" } }));
  assert.ok(script.startsWith("#!/bin/sh\n#BSUB -J 'molq[1-2]'\n"));
  assert.match(script, /exit_code\.\$\{LSB_JOBINDEX\}/);
});

Deno.test("validateLsfRequest() rejects qos, index 0 and line breaks", () => {
  assert.throws(() => validateLsfRequest(context({ scheduling: { qos: "high" } }).request), {
    message: "The lsf scheduler does not support --qos.",
  });
  assert.throws(
    () => validateLsfRequest(context({ scheduling: { array: "0-3" } }).request),
    UsageError,
  );
  validateLsfRequest(context({ scheduling: { array: "1-9:2,20" } }).request);
  assert.throws(() => lsfDirectives(context({ scheduling: { account: "a\nb" } })), UsageError);
});
