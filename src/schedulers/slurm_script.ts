/**
 * The SLURM job script: `#SBATCH` directives for every request field SLURM supports,
 * followed by molq's shared script body. Every value is quoted so that a directive line
 * cannot be broken out of; values SLURM cannot carry (newlines) are refused.
 */
import type { DependencyKind } from "../core/job_request.ts";
import { UsageError } from "../core/errors.ts";
import { memoryMebibytes } from "../core/memory.ts";
import { renderJobScript } from "./job_script.ts";
import { insertBeforeExtension } from "./directive_text.ts";
import type { SubmitContext } from "./scheduler.ts";

/** molq dependency kinds → SLURM's: `after` (any end) is SLURM's `afterany`, `afterstart` its `after`. */
export const SLURM_DEPENDENCY: Record<DependencyKind, string> = {
  after: "afterany",
  afterok: "afterok",
  afternotok: "afternotok",
  afterstart: "after",
};

export const ARRAY_TASK_VARIABLE = "SLURM_ARRAY_TASK_ID";

/**
 * The whole script written to `<jobDir>/job.sh`. sbatch refuses any script containing a
 * CR LF pair ("DOS line breaks"), so a value holding one is written as `\r''\n`: user text
 * only ever appears inside single quotes there (directives refuse line breaks), where `''`
 * ends and reopens the quoted string and the shell reads back the same bytes.
 */
export function renderSlurmScript(context: SubmitContext): string {
  return renderJobScript({
    jobId: context.jobId,
    jobDir: context.jobDir,
    workdir: context.request.workdir,
    command: context.request.command,
    env: context.request.env,
    directives: slurmDirectives(context),
    schedulerIdExpression: "$SLURM_JOB_ID",
    arrayTaskVariable: context.request.scheduling.array ? ARRAY_TASK_VARIABLE : undefined,
  }).replaceAll("\r\n", "\r''\n");
}

/** The `#SBATCH` lines, one option each, in a fixed order. */
export function slurmDirectives(context: SubmitContext): string[] {
  const { request } = context;
  const r = request.resources;
  const s = request.scheduling;
  const array = s.array;
  const options: [string, string | null][] = [
    ["--job-name", request.name ?? `molq-${context.jobId.slice(0, 8)}`],
    ["--chdir", request.workdir],
    ["--output", slurmLogPattern(context.stdoutPath, array !== undefined)],
    ["--error", slurmLogPattern(context.stderrPath, array !== undefined)],
    // The job's environment is molq's environment (like a plain sbatch: modules and PATH
    // loaded on the login node carry over) plus the request's variables, which the script
    // body exports itself — so they need no sbatch syntax and cannot be mangled by it.
    ["--export", "ALL"],
    // molq's `cpus` are the CPUs of ONE task: the command runs once (on the first node).
    // With several nodes, each node gets one task of that size, so `srun` inside the job
    // starts one process per node.
    ["--nodes", r.nodes === undefined ? null : String(r.nodes)],
    r.nodes !== undefined && r.nodes > 1 ? ["--ntasks-per-node", "1"] : ["--ntasks", "1"],
    ["--cpus-per-task", r.cpus === undefined ? null : String(r.cpus)],
    ["--mem", r.memoryBytes === undefined ? null : `${memoryMebibytes(r.memoryBytes)}M`],
    // Whole minutes, rounded up: SLURM's limits have minute granularity anyway.
    [
      "--time",
      r.timeLimitSeconds === undefined ? null : String(Math.ceil(r.timeLimitSeconds / 60)),
    ],
    ["--gres", gres(r.gpus, r.gpuType)],
    ["--exclusive", r.exclusive ? "" : null],
    ["--partition", s.partition ?? null],
    ["--account", s.account ?? null],
    ["--qos", s.qos ?? null],
    ["--reservation", s.reservation ?? null],
    ["--array", array === undefined ? null : arraySpec(array)],
    ["--dependency", dependencySpec(context.dependencies)],
  ];
  return options.filter(([, value]) => value !== null).map(([flag, value]) =>
    directive(flag, value!)
  );
}

/**
 * One `#SBATCH --flag="value"` line. sbatch reads `\` as an escape even inside quotes, and
 * blanks out the words `hetjob`/`packjob` anywhere on a line (its het-job separator), so
 * those get a harmless backslash too.
 */
export function directive(flag: string, value: string): string {
  if (value === "") return `#SBATCH ${flag}`;
  if (/[\n\r\0]/.test(value)) {
    throw new UsageError(
      `Cannot submit to SLURM: the value of ${flag} contains a line break, which an #SBATCH line cannot carry.`,
    );
  }
  const escaped = value.replace(/[\\"]/g, "\\$&").replace(/(pack|het)(job)/gi, "$1\\$2");
  return `#SBATCH ${flag}="${escaped}"`;
}

/**
 * SLURM expands `%j`, `%A`, ... in log paths. molq's paths are literal, so `%` is escaped;
 * an array's logs get a per-task `.%A_%a` before the extension (`stdout.8_2.log`).
 */
export function slurmLogPattern(path: string, isArray: boolean): string {
  if (path.includes("\\")) {
    throw new UsageError(
      `Cannot submit to SLURM: the log path "${path}" contains a backslash, which SLURM removes from log paths.`,
    );
  }
  const escaped = path.replaceAll("%", "%%");
  return isArray ? insertBeforeExtension(escaped, "%A_%a") : escaped;
}

/** An array task's log path: what SLURM made of `slurmLogPattern(path, true)`. */
export function arrayTaskLogPath(path: string, arrayJobId: string, taskId: string): string {
  return insertBeforeExtension(path, `${arrayJobId}_${taskId}`);
}

function gres(gpus: number | undefined, gpuType: string | undefined): string | null {
  if (gpus === undefined && gpuType === undefined) return null;
  const count = gpus ?? 1; // a GPU type alone asks for one GPU of that type
  if (gpuType === undefined) return `gpu:${count}`;
  if (!/^[\w.-]+$/.test(gpuType)) {
    throw new UsageError(
      `Invalid GPU type "${gpuType}": use letters, digits, "_", "." and "-" only.`,
    );
  }
  return `gpu:${gpuType}:${count}`;
}

function arraySpec(spec: string): string {
  if (!/^\d[0-9,\-:]*(%\d+)?$/.test(spec)) {
    throw new UsageError(
      `Invalid array "${spec}": expected indexes and ranges such as 0-9, 1,3,5, 0-99:2 or 0-99%10.`,
    );
  }
  return spec;
}

function dependencySpec(dependencies: SubmitContext["dependencies"]): string | null {
  if (dependencies.length === 0) return null;
  const byType = new Map<string, string[]>();
  for (const dependency of dependencies) {
    if (!/^\d+(_\d+)?$/.test(dependency.schedulerJobId)) {
      throw new UsageError(
        `Cannot depend on job ${dependency.jobId}: its SLURM id "${dependency.schedulerJobId}" is not a SLURM job id.`,
      );
    }
    const type = SLURM_DEPENDENCY[dependency.kind];
    byType.set(type, [...(byType.get(type) ?? []), dependency.schedulerJobId]);
  }
  return [...byType].map(([type, ids]) => `${type}:${ids.join(":")}`).join(",");
}
