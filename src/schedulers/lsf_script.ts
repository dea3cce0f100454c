/**
 * The LSF job script (submitted on bsub's stdin): `#BSUB` directives for every request
 * field LSF can honour (values quoted, one line each), followed by molq's shared job body.
 */
import type { JobRequest } from "../core/job_request.ts";
import { UsageError } from "../core/errors.ts";
import { memoryMebibytes } from "../core/memory.ts";
import { shellQuote } from "../core/shell_quote.ts";
import { renderJobScript } from "./job_script.ts";
import { insertBeforeExtension, singleLine } from "./directive_text.ts";
import { assertSupported, type RequestField, type SubmitContext } from "./scheduler.ts";

export const LSF_SUPPORTED: ReadonlySet<RequestField> = new Set<RequestField>([
  "cpus",
  "mem",
  "time",
  "gpus",
  "gpu-type",
  "nodes",
  "exclusive",
  "partition",
  "account",
  "reservation",
  "array",
  "after",
  "after-ok",
  "after-fail",
  "after-start",
  "scheduler-arg",
]);

/** Index lists of ranges with optional steps, starting at 1, with an optional `%limit`. */
const ARRAY_SPEC = /^\d+(-\d+(:\d+)?)?(,\d+(-\d+(:\d+)?)?)*(%\d+)?$/;

const CONDITIONS = {
  after: "ended",
  afterok: "done",
  afternotok: "exit",
  afterstart: "started",
} as const;

export function validateLsfRequest(request: JobRequest): void {
  assertSupported("lsf", request, LSF_SUPPORTED);
  const array = request.scheduling.array;
  if (array !== undefined && (!ARRAY_SPEC.test(array) || /(^|[,-])0*0(\D|$)/.test(array))) {
    throw new UsageError(
      `Invalid array "${array}" for LSF: expected indices from 1, such as 1-10, 1-9:2, 1,3,5 or 1-100%10.`,
    );
  }
}

export function renderLsfScript(context: SubmitContext): string {
  const request = context.request;
  return renderJobScript({
    jobId: context.jobId,
    jobDir: context.jobDir,
    workdir: request.workdir,
    command: request.command,
    env: request.env,
    directives: lsfDirectives(context).map((words) => `#BSUB ${words}`),
    schedulerIdExpression: "$LSB_JOBID",
    arrayTaskVariable: request.scheduling.array ? "LSB_JOBINDEX" : undefined,
  });
}

/** Each directive as `-flag value`, value quoted. */
export function lsfDirectives(context: SubmitContext): string[] {
  const { resources: r, scheduling: s, name } = context.request;
  const lines: string[] = [];
  const add = (flag: string, value?: string) =>
    lines.push(
      value === undefined ? flag : `${flag} ${shellQuote(singleLine("LSF", flag, value))}`,
    );
  const label = name?.replace(/[[\]]/g, "_");
  if (s.array) {
    add(
      "-J",
      `${label ?? "molq"}[${s.array.replace(/%.*/, "")}]${/%\d+$/.exec(s.array)?.[0] ?? ""}`,
    );
  } else if (label) add("-J", label);
  if (s.partition) add("-q", s.partition);
  if (s.account) add("-P", s.account);
  if (s.reservation) add("-U", s.reservation);
  if (r.nodes !== undefined) {
    add("-n", String(r.nodes * (r.cpus ?? 1)));
    add("-R", `span[ptile=${r.cpus ?? 1}]`);
  } else if (r.cpus !== undefined) {
    add("-n", String(r.cpus));
    add("-R", "span[hosts=1]");
  }
  if (r.memoryBytes !== undefined) add("-M", `${memoryMebibytes(r.memoryBytes)}MB`);
  if (r.timeLimitSeconds !== undefined) {
    add("-W", String(Math.max(1, Math.ceil(r.timeLimitSeconds / 60))));
  }
  if (r.gpus !== undefined) add("-gpu", `num=${r.gpus}${r.gpuType ? `:gmodel=${r.gpuType}` : ""}`);
  if (r.exclusive) add("-x");
  add("-oo", s.array ? insertBeforeExtension(context.stdoutPath, "%I") : context.stdoutPath);
  add("-eo", s.array ? insertBeforeExtension(context.stderrPath, "%I") : context.stderrPath);
  if (context.dependencies.length > 0) {
    add(
      "-w",
      context.dependencies.map((d) => `${CONDITIONS[d.kind]}(${d.schedulerJobId})`).join(" && "),
    );
    add("-ti"); // end the job at once (TERM_ORPHAN_SYSTEM) if the dependency can never hold
  }
  return lines;
}
