/**
 * Readers for the config sections that appear both at the top level and inside a
 * profile (`[defaults]`, `[retry]`), plus `[retention]`.
 */
import type { Resources, RetryPolicy, Scheduling } from "../core/job_request.ts";
import type { RetentionPolicy, SubmitDefaultsConfig } from "./config.ts";
import {
  isTable,
  type KeyPath,
  type Problems,
  readBoolean,
  readDuration,
  readInteger,
  readMemory,
  readString,
  readTable,
  tomlType,
} from "./_fields.ts";

export const DEFAULTS_KEYS = [
  "partition",
  "account",
  "qos",
  "reservation",
  "time",
  "mem",
  "cpus",
  "gpus",
  "gpu_type",
  "nodes",
  "exclusive",
  "env",
] as const;
export const RETRY_KEYS = ["attempts", "backoff", "on_exit_codes"] as const;
export const RETENTION_KEYS = ["job_dirs_days", "records_days", "keep_failed_dirs"] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `[defaults]` / `[clusters.NAME.defaults]`: only the keys given are set. */
export function readSubmitDefaults(
  value: unknown,
  path: KeyPath,
  problems: Problems,
): SubmitDefaultsConfig {
  const table = readTable(value, path, problems, DEFAULTS_KEYS);
  if (!table) return { resources: {}, scheduling: {} };
  const resources: Resources = definedOnly({
    cpus: readInteger(table, "cpus", path, problems, 1),
    memoryBytes: readMemory(table, "mem", path, problems),
    timeLimitSeconds: readDuration(table, "time", path, problems),
    gpus: readInteger(table, "gpus", path, problems, 1),
    gpuType: readString(table, "gpu_type", path, problems),
    nodes: readInteger(table, "nodes", path, problems, 1),
    exclusive: readBoolean(table, "exclusive", path, problems),
  });
  const scheduling: Scheduling = definedOnly({
    partition: readString(table, "partition", path, problems),
    account: readString(table, "account", path, problems),
    qos: readString(table, "qos", path, problems),
    reservation: readString(table, "reservation", path, problems),
  });
  const env = readEnvTable(table["env"], [...path, "env"], problems);
  return env ? { resources, scheduling, env } : { resources, scheduling };
}

/** `[retry]` / `[clusters.NAME.retry]`: only the keys given are set. */
export function readRetry(value: unknown, path: KeyPath, problems: Problems): Partial<RetryPolicy> {
  const table = readTable(value, path, problems, RETRY_KEYS);
  if (!table) return {};
  return definedOnly({
    attempts: readInteger(table, "attempts", path, problems, 1),
    backoffSeconds: readDuration(table, "backoff", path, problems),
    onExitCodes: readExitCodes(table["on_exit_codes"], [...path, "on_exit_codes"], problems),
  });
}

export function readRetention(
  value: unknown,
  path: KeyPath,
  problems: Problems,
): Partial<RetentionPolicy> {
  const table = readTable(value, path, problems, RETENTION_KEYS);
  if (!table) return {};
  return definedOnly({
    jobDirsDays: readInteger(table, "job_dirs_days", path, problems, 0),
    recordsDays: readInteger(table, "records_days", path, problems, 0),
    keepFailedDirs: readBoolean(table, "keep_failed_dirs", path, problems),
  });
}

function readExitCodes(value: unknown, path: KeyPath, problems: Problems): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.add(path, `expected an array of exit codes, got ${tomlType(value)}`);
    return undefined;
  }
  const bad = value.find((code) => !Number.isInteger(code) || code < 1 || code > 255);
  if (bad !== undefined) {
    const shown = typeof bad === "number" ? String(bad) : tomlType(bad);
    problems.add(path, `expected exit codes from 1 to 255, got ${shown}`);
    return undefined;
  }
  return value as number[];
}

function readEnvTable(
  value: unknown,
  path: KeyPath,
  problems: Problems,
): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    problems.add(path, `expected a table of NAME = "value", got ${tomlType(value)}`);
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      problems.add([...path, name], "not a valid environment variable name");
    } else if (typeof text !== "string") {
      problems.add([...path, name], `expected a string, got ${tomlType(text)}`);
    } else {
      env[name] = text;
    }
  }
  return env;
}

/** The object without its undefined properties, so spreads and deep equality stay clean. */
export function definedOnly<T extends object>(
  object: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined),
  ) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
