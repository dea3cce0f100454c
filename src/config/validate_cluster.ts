/** Validation of one `[clusters.NAME]` profile. */
import { SCHEDULER_KINDS, type SchedulerKind } from "../core/job_record.ts";
import {
  CLUSTER_NAME_PATTERN,
  type ClusterProfile,
  isSchedulerKind,
  PBS_FLAVOURS,
  type RefreshSettings,
  type RemoteSettings,
  SCHEDULER_COMMANDS,
  SSH_AUTH_MODES,
} from "./config.ts";
import { expandPath } from "./expand_path.ts";
import type { EnvGetter } from "./config_path.ts";
import { definedOnly, readRetry, readSubmitDefaults } from "./config_sections.ts";
import { readNotify } from "./notify_config.ts";
import {
  closestKey,
  isTable,
  type KeyPath,
  type Problems,
  readChoice,
  readDuration,
  readPath,
  readString,
  readTable,
  tomlType,
} from "./_fields.ts";

export const PROFILE_KEYS = [
  "scheduler",
  "flavour",
  "parallel_environment",
  "jobs_dir",
  "defaults",
  "commands",
  "refresh",
  "retry",
  "host",
  "ssh_options",
  "auth",
  "notify",
] as const;
export const REFRESH_KEYS = ["min_interval", "command_timeout"] as const;

const ALL_COMMANDS = Object.values(SCHEDULER_COMMANDS).flat();

/** The profile, or undefined when it is unusable; every problem goes to `problems`. */
export function readClusterProfile(
  name: string,
  value: unknown,
  problems: Problems,
  env: EnvGetter,
): ClusterProfile | undefined {
  const path = ["clusters", name];
  const validName = CLUSTER_NAME_PATTERN.test(name);
  if (!validName) {
    problems.add(
      path,
      'invalid cluster name (use letters, digits, "_", "." and "-", starting with a letter or digit)',
    );
  }
  const table = readTable(value, path, problems, PROFILE_KEYS);
  if (!table) return undefined;
  const scheduler = readScheduler(name, table, path, problems);
  const profile: ClusterProfile = {
    name,
    scheduler: scheduler ?? "local",
    defaults: readSubmitDefaults(table["defaults"], [...path, "defaults"], problems),
    commands: readCommands(table["commands"], [...path, "commands"], scheduler, problems, env),
    refresh: readRefresh(table["refresh"], [...path, "refresh"], problems),
  };
  const remote = readRemote(table, path, problems, env);
  if (remote) profile.remote = remote;
  // A remote jobs_dir is a path over there: its `~` and variables are the cluster's.
  const jobsDir = remote
    ? readRemoteDir(table, "jobs_dir", path, problems)
    : readPath(table, "jobs_dir", path, problems, env);
  if (jobsDir !== undefined) profile.jobsDir = jobsDir;
  if (table["retry"] !== undefined) {
    profile.retry = readRetry(table["retry"], [...path, "retry"], problems);
  }
  if (table["notify"] !== undefined) {
    profile.notify = readNotify(table["notify"], [...path, "notify"], problems);
  }
  if (table["flavour"] !== undefined && scheduler !== undefined && scheduler !== "pbs") {
    problems.add([...path, "flavour"], `only pbs profiles take a flavour, not ${scheduler} ones`);
  } else {
    const flavour = readChoice(table, "flavour", path, problems, PBS_FLAVOURS);
    if (flavour !== undefined) profile.flavour = flavour;
  }
  readParallelEnvironment(table, path, scheduler, profile, problems);
  return scheduler === undefined || !validName ? undefined : profile;
}

/** `host`, `ssh_options` and `auth`: a cluster reached over SSH. */
function readRemote(
  table: Record<string, unknown>,
  path: KeyPath,
  problems: Problems,
  env: EnvGetter,
): RemoteSettings | undefined {
  if (table["host"] === undefined) {
    for (const key of ["ssh_options", "auth"]) {
      if (table[key] !== undefined) {
        problems.add([...path, key], "only a profile with a host takes it");
      }
    }
    return undefined;
  }
  let host = readString(table, "host", path, problems);
  if (host !== undefined && (/\s/.test(host) || host.startsWith("-"))) {
    problems.add(
      [...path, "host"],
      "expected an ssh destination such as hpc or alice@login.hpc.example.org",
    );
    host = undefined;
  }
  const sshOptions: string[] = [];
  const options = table["ssh_options"];
  if (options !== undefined) {
    if (!Array.isArray(options) || options.some((o) => typeof o !== "string")) {
      problems.add(
        [...path, "ssh_options"],
        `expected an array of strings, got ${tomlType(options)}`,
      );
    } else {
      for (const option of options as string[]) {
        try {
          sshOptions.push(option.startsWith("~") ? expandPath(option, env) : option);
        } catch (error) {
          problems.addError([...path, "ssh_options"], error);
        }
      }
      const unsafe = /StrictHostKeyChecking[\s=]+(no|off)\b/i.test(sshOptions.join(" "));
      if (unsafe) {
        problems.add(
          [...path, "ssh_options"],
          "molq never turns off host key checking; fix the host key instead",
        );
      }
    }
  }
  const auth = readChoice(table, "auth", path, problems, SSH_AUTH_MODES) ?? "batch";
  return host === undefined ? undefined : { host, sshOptions, auth };
}

/** A directory on the cluster: absolute, or under the remote home (`~/...`). */
function readRemoteDir(
  table: Record<string, unknown>,
  key: string,
  path: KeyPath,
  problems: Problems,
): string | undefined {
  const value = readString(table, key, path, problems);
  if (value === undefined) return undefined;
  if (value.startsWith("/") || value === "~" || value.startsWith("~/")) return value;
  problems.add([...path, key], "a remote path must be absolute or start with ~/");
  return undefined;
}

/** `parallel_environment = "smp"`: Grid Engine profiles only, one plain name. */
function readParallelEnvironment(
  table: Record<string, unknown>,
  path: KeyPath,
  scheduler: SchedulerKind | undefined,
  profile: ClusterProfile,
  problems: Problems,
): void {
  if (table["parallel_environment"] === undefined) return;
  if (scheduler !== undefined && scheduler !== "sge") {
    problems.add(
      [...path, "parallel_environment"],
      `only sge profiles take a parallel environment, not ${scheduler} ones`,
    );
    return;
  }
  const name = readString(table, "parallel_environment", path, problems);
  if (name === undefined) return;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    problems.add(
      [...path, "parallel_environment"],
      `invalid parallel environment name "${name}" (use letters, digits, "_", "." and "-")`,
    );
    return;
  }
  profile.parallelEnvironment = name;
}

function readScheduler(
  name: string,
  table: Record<string, unknown>,
  path: KeyPath,
  problems: Problems,
): SchedulerKind | undefined {
  // A profile named after a scheduler kind is that kind's cluster: `scheduler` may be left out,
  // and must not say otherwise (or `molq submit slurm` would find a pbs profile).
  const implied = isSchedulerKind(name) ? name : undefined;
  if (table["scheduler"] === undefined) {
    if (implied) return implied;
    problems.add([...path, "scheduler"], `missing (expected one of ${SCHEDULER_KINDS.join(", ")})`);
    return undefined;
  }
  const scheduler = readChoice(table, "scheduler", path, problems, SCHEDULER_KINDS);
  if (scheduler !== undefined && implied !== undefined && scheduler !== implied) {
    problems.add(
      [...path, "scheduler"],
      `profile "${name}" is named after the ${implied} scheduler but uses ${scheduler}`,
    );
    return undefined;
  }
  return scheduler;
}

function readCommands(
  value: unknown,
  path: KeyPath,
  scheduler: SchedulerKind | undefined,
  problems: Problems,
  env: EnvGetter,
): Record<string, string> {
  const commands: Record<string, string> = {};
  if (value === undefined) return commands;
  if (!isTable(value)) {
    problems.add(path, `expected a table, got ${tomlType(value)}`);
    return commands;
  }
  const allowed = scheduler ? SCHEDULER_COMMANDS[scheduler] : ALL_COMMANDS;
  for (const command of Object.keys(value)) {
    if (!allowed.includes(command)) {
      problems.add([...path, command], unknownCommand(command, scheduler, allowed));
      continue;
    }
    const program = readPath(value, command, path, problems, env);
    if (program !== undefined) commands[command] = program;
  }
  return commands;
}

function unknownCommand(
  command: string,
  scheduler: SchedulerKind | undefined,
  allowed: readonly string[],
): string {
  if (scheduler === "local") return "the local scheduler runs no scheduler commands";
  const owner = SCHEDULER_KINDS.find((kind) => SCHEDULER_COMMANDS[kind].includes(command));
  if (owner && scheduler) return `${command} is a ${owner} command, not a ${scheduler} one`;
  const guess = closestKey(command, allowed);
  return guess
    ? `unknown command (did you mean "${guess}"?)`
    : `unknown command (expected one of ${allowed.join(", ")})`;
}

function readRefresh(value: unknown, path: KeyPath, problems: Problems): RefreshSettings {
  const table = readTable(value, path, problems, REFRESH_KEYS);
  if (!table) return {};
  return definedOnly({
    minIntervalSeconds: readDuration(table, "min_interval", path, problems),
    commandTimeoutSeconds: readDuration(table, "command_timeout", path, problems),
  });
}
