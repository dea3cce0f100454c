/**
 * The PBS job script: `#PBS` directives for every request field PBS Pro or Torque can
 * honour (values quoted, one line each), followed by molq's shared job body.
 */
import type { JobRequest } from "../core/job_request.ts";
import { UsageError } from "../core/errors.ts";
import { formatClock } from "../core/duration.ts";
import { memoryMebibytes } from "../core/memory.ts";
import { shellQuote } from "../core/shell_quote.ts";
import { renderJobScript } from "./job_script.ts";
import { insertBeforeExtension, singleLine } from "./directive_text.ts";
import type { PbsFlavour } from "./pbs_parse.ts";
import { assertSupported, type RequestField, type SubmitContext } from "./scheduler.ts";

const COMMON: RequestField[] = [
  "cpus",
  "mem",
  "time",
  "gpus",
  "nodes",
  "partition",
  "account",
  "array",
  "after",
  "after-ok",
  "after-fail",
  "after-start",
  "scheduler-arg",
];

export const PBS_SUPPORTED: Record<PbsFlavour, ReadonlySet<RequestField>> = {
  pro: new Set<RequestField>([...COMMON, "exclusive"]),
  torque: new Set<RequestField>(COMMON),
};

const ARRAY_SPECS: Record<PbsFlavour, RegExp> = {
  pro: /^\d+-\d+(:\d+)?(%\d+)?$/, // PBS Pro -J takes one range with an optional step
  torque: /^\d+(-\d+)?(,\d+(-\d+)?)*(%\d+)?$/,
};

const DEPENDENCY_TYPES = {
  after: "afterany",
  afterok: "afterok",
  afternotok: "afternotok",
  afterstart: "after",
} as const;

/** The environment variable holding a subjob's index. */
export const ARRAY_INDEX_VARIABLE: Record<PbsFlavour, string> = {
  pro: "PBS_ARRAY_INDEX",
  torque: "PBS_ARRAYID",
};

export function validatePbsRequest(request: JobRequest, flavour: PbsFlavour): void {
  assertSupported("pbs", request, PBS_SUPPORTED[flavour]);
  const array = request.scheduling.array;
  if (array !== undefined && !ARRAY_SPECS[flavour].test(array)) {
    const forms = flavour === "pro"
      ? "a range such as 0-9, 0-9:2 or 0-99%10"
      : "ranges and lists such as 0-9 or 1,3,5-7";
    throw new UsageError(
      `Invalid array "${array}" for PBS ${
        flavour === "pro" ? "Pro" : "Torque"
      }: expected ${forms}.`,
    );
  }
}

export function renderPbsScript(context: SubmitContext, flavour: PbsFlavour): string {
  const request = context.request;
  return renderJobScript({
    jobId: context.jobId,
    jobDir: context.jobDir,
    workdir: request.workdir,
    command: request.command,
    env: request.env,
    directives: pbsDirectives(context, flavour).map((words) => `#PBS ${words}`),
    schedulerIdExpression: "$PBS_JOBID",
    arrayTaskVariable: request.scheduling.array ? ARRAY_INDEX_VARIABLE[flavour] : undefined,
  });
}

/** Each directive as `-flag value`, value quoted. */
export function pbsDirectives(context: SubmitContext, flavour: PbsFlavour): string[] {
  const { resources: r, scheduling: s, name } = context.request;
  const lines: string[] = [];
  const add = (flag: string, value: string) =>
    lines.push(`${flag} ${shellQuote(singleLine("PBS", flag, value))}`);
  if (name) add("-N", pbsJobName(name));
  if (s.partition) add("-q", s.partition);
  if (s.account) add("-A", s.account);
  const mem = r.memoryBytes === undefined ? null : `mem=${memoryMebibytes(r.memoryBytes)}mb`;
  const sized = r.cpus !== undefined || r.gpus !== undefined || r.nodes !== undefined ||
    mem !== null;
  if (flavour === "pro") {
    if (sized) {
      const chunk = [
        `${r.nodes ?? 1}`,
        `ncpus=${r.cpus ?? 1}`,
        mem,
        r.gpus ? `ngpus=${r.gpus}` : null,
      ];
      add("-l", `select=${chunk.filter((p) => p !== null).join(":")}`);
    }
    const place = [(r.nodes ?? 1) > 1 ? "scatter" : null, r.exclusive ? "excl" : null].filter((p) =>
      p
    );
    if (place.length > 0) add("-l", `place=${place.join(":")}`);
  } else if (sized) {
    const nodes = `nodes=${r.nodes ?? 1}:ppn=${r.cpus ?? 1}${r.gpus ? `:gpus=${r.gpus}` : ""}`;
    add("-l", [nodes, mem].filter((p) => p !== null).join(","));
  }
  if (r.timeLimitSeconds !== undefined) add("-l", `walltime=${formatClock(r.timeLimitSeconds)}`);
  const array = s.array;
  add(
    "-o",
    pbsPath(array && flavour === "pro" ? arrayTemplate(context.stdoutPath) : context.stdoutPath),
  );
  add(
    "-e",
    pbsPath(array && flavour === "pro" ? arrayTemplate(context.stderrPath) : context.stderrPath),
  );
  if (array) add(flavour === "pro" ? "-J" : "-t", array);
  if (context.dependencies.length > 0) add("-W", `depend=${dependencyList(context)}`);
  return lines;
}

/** `afterok:1.server:2.server,afterany:3.server`, grouped by type in request order. */
function dependencyList(context: SubmitContext): string {
  const groups = new Map<string, string[]>();
  for (const dependency of context.dependencies) {
    const type = DEPENDENCY_TYPES[dependency.kind];
    groups.set(type, [...(groups.get(type) ?? []), dependency.schedulerJobId]);
  }
  return [...groups].map(([type, ids]) => `${type}:${ids.join(":")}`).join(",");
}

/**
 * PBS names start with a letter and hold no whitespace; other characters become `_`.
 * The store keeps the user's name; this one only labels the job in qstat.
 */
export function pbsJobName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  return (/^[A-Za-z]/.test(safe) ? safe : `j${safe}`).slice(0, 236);
}

/** PBS reads `a:b` as `host:path`; a path holding a colon gets this host in front. */
function pbsPath(path: string): string {
  return path.includes(":") ? `${Deno.hostname()}:${path}` : path;
}

/** PBS Pro substitutes `^array_index^` in each subjob's paths: `stdout.log` → `stdout.^array_index^.log`. */
function arrayTemplate(path: string): string {
  return insertBeforeExtension(path, "^array_index^");
}
