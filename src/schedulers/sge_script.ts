/**
 * The Grid Engine job script: `#$` directives for every request field Grid Engine can
 * honour, followed by molq's shared job body. Grid Engine reads directive values with
 * rules of its own (quotes group words and vanish, `#` starts a comment, and in log paths
 * `,` separates a list, `:` names a host and `$NAME` is expanded), so values it would
 * change are refused instead of quoted.
 */
import type { JobRequest } from "../core/job_request.ts";
import { UsageError } from "../core/errors.ts";
import { formatClock } from "../core/duration.ts";
import { memoryMebibytes } from "../core/memory.ts";
import { renderJobScript } from "./job_script.ts";
import { insertBeforeExtension } from "./directive_text.ts";
import { assertSupported, type RequestField, type SubmitContext } from "./scheduler.ts";

/**
 * Dependencies are all supported because molq holds dependent jobs itself (Grid Engine's
 * `-hold_jid` only waits for the end, whatever the exit status).
 */
export const SGE_SUPPORTED: ReadonlySet<RequestField> = new Set<RequestField>([
  "cpus",
  "mem",
  "time",
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

/** The parallel environment `--cpus` asks for unless the profile names another. */
export const DEFAULT_PARALLEL_ENVIRONMENT = "smp";

/** The environment variable holding an array task's index. */
export const SGE_TASK_VARIABLE = "SGE_TASK_ID";

export interface SgeArraySpec {
  first: number;
  last: number;
  step: number;
  /** At most this many tasks at once (`-tc`), from molq's `%N`. */
  throttle: number | null;
}

/** molq's array spec for Grid Engine: one range `1-10`, `1-10:2`, optionally `%N`; ids from 1. */
export function parseSgeArraySpec(spec: string): SgeArraySpec {
  const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?(?:%(\d+))?$/.exec(spec);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  const step = match?.[3] === undefined ? 1 : Number(match[3]);
  if (!match || first < 1 || last < first || step < 1) {
    throw new UsageError(
      `Invalid array "${spec}" for Grid Engine: expected one range of task ids from 1, such as 1-10, 1-10:2 or 1-100%10.`,
    );
  }
  const throttle = match[4] === undefined ? null : Number(match[4]);
  if (throttle === 0) {
    throw new UsageError(
      `Invalid array "${spec}" for Grid Engine: the %N limit must be at least 1.`,
    );
  }
  return { first, last, step, throttle };
}

/** The task ids an array spec names, or null past `max` (not expanded). */
export function sgeArrayTaskIds(spec: string, max = 10_000): string[] | null {
  const { first, last, step } = parseSgeArraySpec(spec);
  if (Math.floor((last - first) / step) + 1 > max) return null;
  const ids: string[] = [];
  for (let id = first; id <= last; id += step) ids.push(String(id));
  return ids;
}

export function validateSgeRequest(request: JobRequest): void {
  assertSupported("sge", request, SGE_SUPPORTED);
  if (request.scheduling.array !== undefined) parseSgeArraySpec(request.scheduling.array);
}

export function renderSgeScript(context: SubmitContext, parallelEnvironment: string): string {
  const request = context.request;
  return renderJobScript({
    jobId: context.jobId,
    jobDir: context.jobDir,
    workdir: request.workdir,
    command: request.command,
    env: request.env,
    directives: sgeDirectives(context, parallelEnvironment).map((words) => `#$ ${words}`),
    schedulerIdExpression: "$JOB_ID",
    arrayTaskVariable: request.scheduling.array ? SGE_TASK_VARIABLE : undefined,
  });
}

/** Each directive as `-flag value`, in a fixed order. */
export function sgeDirectives(context: SubmitContext, parallelEnvironment: string): string[] {
  const { resources: r, scheduling: s, name } = context.request;
  const lines: string[] = [];
  const add = (flag: string, ...values: string[]) =>
    lines.push([flag, ...values.map((value) => directiveValue(flag, value))].join(" "));
  // The generated script is sh, whatever shell the queue would start it with.
  add("-S", "/bin/sh");
  add("-N", sgeJobName(name ?? `molq-${context.jobId.slice(0, 8)}`));
  add("-wd", context.request.workdir);
  const array = s.array === undefined ? null : parseSgeArraySpec(s.array);
  add("-o", logPath("-o", context.stdoutPath, array !== null));
  add("-e", logPath("-e", context.stderrPath, array !== null));
  // molq's --cpus are slots on one host: the profile's parallel environment must place
  // them that way (allocation_rule $pe_slots), as the usual `smp` does.
  if (r.cpus !== undefined) add("-pe", parallelEnvironment, String(r.cpus));
  if (r.memoryBytes !== undefined) {
    // h_vmem is per slot: molq's --mem is for the whole job, so it is shared out.
    const perSlot = Math.ceil(memoryMebibytes(r.memoryBytes) / (r.cpus ?? 1));
    add("-l", `h_vmem=${perSlot}M`);
  }
  if (r.timeLimitSeconds !== undefined) {
    add("-l", `h_rt=${formatClock(Math.max(1, r.timeLimitSeconds))}`);
  }
  if (s.partition !== undefined) add("-q", s.partition);
  if (s.account !== undefined) add("-P", s.account);
  if (s.reservation !== undefined) add("-ar", s.reservation);
  if (array) {
    add("-t", `${array.first}-${array.last}:${array.step}`);
    if (array.throttle !== null) add("-tc", String(array.throttle));
  }
  return lines;
}

/**
 * Grid Engine refuses names with whitespace, `/ : @ \ * ?` and more; other characters
 * become `_`. The store keeps the user's name; this one only labels the job in qstat.
 */
export function sgeJobName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  return (/^[A-Za-z]/.test(safe) ? safe : `j${safe}`).slice(0, 200);
}

/** An array task's log path: what Grid Engine made of `logPath(path, true)`. */
export function sgeTaskLogPath(path: string, taskId: string): string {
  return insertBeforeExtension(path, taskId);
}

function logPath(flag: string, path: string, isArray: boolean): string {
  const bad = /[,:$]/.exec(path);
  if (bad) {
    throw new UsageError(
      `Cannot submit to Grid Engine: the log path "${path}" (${flag}) contains "${
        bad[0]
      }", which Grid Engine reads as part of its own path syntax.`,
    );
  }
  return isArray ? insertBeforeExtension(path, "$TASK_ID") : path;
}

/** A value on a `#$` line: words with spaces in double quotes; what Grid Engine would alter, refused. */
function directiveValue(flag: string, value: string): string {
  const bad = /[\n\r\0#'"]/.exec(value);
  if (bad) {
    throw new UsageError(
      `Cannot submit to Grid Engine: the value of ${flag} contains ${
        JSON.stringify(bad[0])
      }, which a #$ line cannot carry: ${JSON.stringify(value)}.`,
    );
  }
  return /\s/.test(value) || value === "" ? `"${value}"` : value;
}
