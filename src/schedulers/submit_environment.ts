/**
 * The environment a job starts with is its submitter's, as with a plain `sbatch`: PATH,
 * loaded modules and an activated virtual environment carry over. A job started at once
 * gets it by inheritance. A job that a later process starts (a held job released by a
 * pass, a retry handed over after its backoff, a local array's launcher restarted) would
 * otherwise get that process's environment (cron's, the daemon's, another login's), so the
 * submission keeps the environment in the job directory (0600) and the later start uses it
 * whole. Only for jobs on this machine: a remote cluster's jobs get its own login's
 * environment however they are started.
 */
import { MolqError } from "../core/errors.ts";
import type { SchedulerKind } from "../core/job_record.ts";
import type { Environment } from "../process/run_command.ts";
import { jobFile, SUBMIT_ENVIRONMENT } from "./job_files.ts";

/**
 * The backends whose jobs get the environment their start was made with: a local wrapper
 * inherits it, `sbatch --export=ALL` and `bsub` pass it on. PBS and Grid Engine jobs get
 * their own (molq asks for no `-V`), so theirs keep none.
 */
export function passesEnvironmentOn(kind: SchedulerKind): boolean {
  return kind === "local" || kind === "slurm" || kind === "lsf";
}

/** `NAME=VALUE\0` per variable, the format of /proc/PID/environ and `env -0`. */
export function encodeEnvironment(env: Environment): string {
  return Object.entries(env).map(([name, value]) => `${name}=${value}\0`).join("");
}

/** The inverse of encodeEnvironment; an entry without `=` or a name is skipped. */
export function decodeEnvironment(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split("\0")) {
    const equals = entry.indexOf("=");
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

/**
 * The environment kept in a job directory on this machine, or undefined where none was
 * kept (a job submitted by an older molq starts with the caller's, as it did then). One
 * that cannot be read throws: the job must not start with another environment unnoticed.
 */
export function keptEnvironment(jobDir: string): Record<string, string> | undefined {
  const path = jobFile(jobDir, SUBMIT_ENVIRONMENT);
  try {
    return decodeEnvironment(Deno.readTextFileSync(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    throw new MolqError(`Cannot read the submitter's environment ${path}: ${why}.`);
  }
}
