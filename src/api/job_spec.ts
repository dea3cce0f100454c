/**
 * JobSpec: what a user writes to submit a job, in the CLI's terms (strings such as `8G`
 * and `2h`), and its translation into a validated, frozen JobRequest.
 */
import { resolve } from "../core/paths.ts";
import { UsageError } from "../core/errors.ts";
import type { Dependency, JobCommand, JobRequest } from "../core/job_request.ts";
import { parseMemoryBytes } from "../core/memory.ts";
import { parseDurationSeconds } from "../core/duration.ts";

/**
 * What to run and how, in the CLI's terms: exactly one of `argv`, `command`, `script`,
 * `inlineScript`; resources such as `mem: "8G"` and `time: "2h"`; `stdout`/`stderr` to
 * override the default log paths.
 */
export interface JobSpec {
  /** Exactly one of argv, command, script, inlineScript. */
  argv?: string[];
  command?: string;
  script?: string;
  inlineScript?: string;
  name?: string;
  workdir?: string;
  env?: Record<string, string>;
  cpus?: number;
  mem?: string | number;
  time?: string | number;
  gpus?: number;
  gpuType?: string;
  nodes?: number;
  exclusive?: boolean;
  partition?: string;
  account?: string;
  qos?: string;
  reservation?: string;
  array?: string;
  stdout?: string;
  stderr?: string;
  metadata?: Record<string, string>;
  run?: string;
  after?: string[];
  afterOk?: string[];
  afterFail?: string[];
  afterStart?: string[];
  /** Total attempts (1 = no retry). */
  retries?: number;
  retryOnExitCodes?: number[];
  retryBackoff?: string | number;
  /** Native scheduler flags passed through as they are. */
  schedulerArgs?: string[];
  /** true: notify when it ends (as `[notify]` says); false: never. Default: the config's. */
  notify?: boolean;
  /** A one-off notify command: a shell command line, or an argv. */
  notifyCommand?: string | string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ARRAY_SPEC = /^\d+(-\d+(:\d+)?)?(,\d+(-\d+(:\d+)?)?)*(%\d+)?$/;

/** The notification flags the spec sets, for `[notify]`. */
export function notifyFlags(
  spec: JobSpec,
): { notify?: boolean; notifyCommand?: string | string[] } {
  return { notify: spec.notify, notifyCommand: spec.notifyCommand };
}

/** The retry flags the spec sets, for layering over configured retry policy. */
export function retryFlags(
  spec: JobSpec,
): { attempts?: number; onExitCodes?: number[]; backoffSeconds?: number } {
  return {
    attempts: spec.retries === undefined ? undefined : positiveInteger("--retries", spec.retries),
    onExitCodes: spec.retryOnExitCodes,
    backoffSeconds: spec.retryBackoff === undefined
      ? undefined
      : seconds("--retry-backoff", spec.retryBackoff),
  };
}

/**
 * Builds the request; relative paths are resolved against `cwd`, except the job's working
 * directory (and its logs), resolved against `workdirBase`: on a remote cluster that is
 * the home directory there, while `--script` still names a file here.
 */
export function buildJobRequest(spec: JobSpec, cwd: string, workdirBase = cwd): JobRequest {
  const workdir = resolve(workdirBase, spec.workdir ?? ".");
  const request: JobRequest = {
    command: buildCommand(spec, cwd),
    workdir,
    env: checkEnv(spec.env ?? {}),
    resources: {},
    scheduling: {},
    dependencies: buildDependencies(spec),
    metadata: checkMetadata(spec.metadata ?? {}),
    extraArgs: [...(spec.schedulerArgs ?? [])],
  };
  if (spec.name !== undefined) request.name = checkText("--name", spec.name);
  if (spec.run !== undefined) request.runLabel = checkText("--run", spec.run);
  if (spec.stdout !== undefined) request.stdoutPath = resolve(workdir, spec.stdout);
  if (spec.stderr !== undefined) request.stderrPath = resolve(workdir, spec.stderr);
  const r = request.resources;
  if (spec.cpus !== undefined) r.cpus = positiveInteger("--cpus", spec.cpus);
  if (spec.mem !== undefined) {
    r.memoryBytes = typeof spec.mem === "number" ? spec.mem : parseMemoryBytes(spec.mem);
  }
  if (spec.time !== undefined) r.timeLimitSeconds = seconds("--time", spec.time);
  if (spec.gpus !== undefined) r.gpus = positiveInteger("--gpus", spec.gpus);
  if (spec.gpuType !== undefined) r.gpuType = checkText("--gpu-type", spec.gpuType);
  if (spec.nodes !== undefined) r.nodes = positiveInteger("--nodes", spec.nodes);
  if (spec.exclusive) r.exclusive = true;
  const s = request.scheduling;
  for (const key of ["partition", "account", "qos", "reservation"] as const) {
    if (spec[key] !== undefined) s[key] = checkText(`--${key}`, spec[key]!);
  }
  if (spec.array !== undefined) {
    if (!ARRAY_SPEC.test(spec.array)) {
      throw new UsageError(
        `Invalid array "${spec.array}": expected indexes such as 0-9, 1,3,5, 0-99:2 or 0-99%10.`,
      );
    }
    s.array = spec.array;
  }
  if (spec.retries !== undefined && spec.retries > 1) {
    request.retry = {
      attempts: positiveInteger("--retries", spec.retries),
      onExitCodes: spec.retryOnExitCodes ?? [],
      backoffSeconds: spec.retryBackoff === undefined
        ? 30
        : seconds("--retry-backoff", spec.retryBackoff),
    };
  } else if (spec.retries !== undefined) positiveInteger("--retries", spec.retries);
  return request;
}

function buildCommand(spec: JobSpec, cwd: string): JobCommand {
  const given = [spec.argv?.length ? "argv" : null, spec.command, spec.script, spec.inlineScript]
    .filter((v) => v !== undefined && v !== null);
  if (given.length === 0) {
    throw new UsageError("No command given: put it after --, or use --command or --script.");
  }
  if (given.length > 1) {
    throw new UsageError("Give only one of: a command after --, --command, or --script.");
  }
  if (spec.argv?.length) return { type: "argv", argv: [...spec.argv] };
  if (spec.command !== undefined) {
    return { type: "shell", command: nonEmpty("--command", spec.command) };
  }
  if (spec.script !== undefined) {
    const path = resolve(cwd, nonEmpty("--script", spec.script));
    const why = scriptProblem(path);
    if (why) throw new UsageError(`Cannot read the script ${path}: ${why}.`);
    return { type: "script", path };
  }
  return { type: "inline", script: nonEmpty("inline script", spec.inlineScript!) };
}

/** Why `path` cannot be a job's script, or null. */
function scriptProblem(path: string): string | null {
  try {
    const info = Deno.statSync(path);
    return info.isFile ? null : info.isDirectory ? "it is a directory" : "it is not a regular file";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "no such file";
    if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
    return error instanceof Error ? error.message : String(error);
  }
}

function buildDependencies(spec: JobSpec): Dependency[] {
  const lists: [Dependency["kind"], string[] | undefined][] = [
    ["after", spec.after],
    ["afterok", spec.afterOk],
    ["afternotok", spec.afterFail],
    ["afterstart", spec.afterStart],
  ];
  return lists.flatMap(([kind, ids]) =>
    (ids ?? []).map((jobId) => {
      if (!/^[0-9a-f-]{4,36}$/i.test(jobId)) {
        throw new UsageError(
          `Invalid dependency "${jobId}": expected a molq job id or a unique prefix of one.`,
        );
      }
      return { kind, jobId };
    })
  );
}

function checkEnv(env: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) {
      throw new UsageError(
        `Invalid environment variable name "${name}": use letters, digits and _.`,
      );
    }
  }
  return { ...env };
}

function checkMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(metadata)) {
    if (key === "" || key.startsWith("molq.")) {
      throw new UsageError(
        `Invalid metadata key "${key}": keys starting with "molq." are reserved.`,
      );
    }
  }
  return { ...metadata };
}

/** Text that ends up in scheduler directives must stay on one line. */
function checkText(flag: string, value: string): string {
  if (value === "" || /[\n\r\0]/.test(value)) {
    throw new UsageError(`Invalid ${flag} "${value}": it must be non-empty and on one line.`);
  }
  return value;
}

function nonEmpty(what: string, value: string): string {
  if (value.trim() === "") throw new UsageError(`Invalid ${what}: it is empty.`);
  return value;
}

function positiveInteger(flag: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`Invalid ${flag} "${value}": expected a whole number of at least 1.`);
  }
  return value;
}

function seconds(flag: string, value: string | number): number {
  return typeof value === "number" ? value : parseDurationSeconds(value, flag);
}
