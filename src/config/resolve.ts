/**
 * Pure precedence rules: which cluster a command means, and the submit defaults for it
 * (flag > profile `[clusters.NAME.defaults]` > top-level `[defaults]` > built-in).
 */
import { UsageError } from "../core/errors.ts";
import { SCHEDULER_KINDS, type SchedulerKind } from "../core/job_record.ts";
import type { Resources, RetryPolicy, Scheduling } from "../core/job_request.ts";
import {
  BUILTIN_RETRY,
  CLUSTER_NAME_PATTERN,
  type ClusterProfile,
  findProfile,
  isSchedulerKind,
  type MolqConfig,
} from "./config.ts";

export interface ResolvedCluster {
  name: string;
  scheduler: SchedulerKind;
  /** The profile, when the cluster has one. */
  profile?: ClusterProfile;
}

export interface ClusterChoice {
  /** `--cluster NAME`. */
  clusterFlag?: string;
  /** `molq submit slurm ...`: the scheduler kind given as a positional argument. */
  schedulerPositional?: string;
}

/**
 * `--cluster` names a profile (or, with a positional scheduler, a plain namespace);
 * a positional scheduler alone means the profile named after it, else default_cluster
 * when that uses the same scheduler, else the implicit cluster named after the kind;
 * with neither, default_cluster.
 */
export function resolveCluster(config: MolqConfig, choice: ClusterChoice): ResolvedCluster {
  const positional = choice.schedulerPositional === undefined
    ? undefined
    : schedulerKind(choice.schedulerPositional);
  const flag = choice.clusterFlag;
  if (flag !== undefined) {
    if (!CLUSTER_NAME_PATTERN.test(flag)) {
      throw new UsageError(
        `Invalid cluster name "${flag}": use letters, digits, "_", "." and "-", starting with a letter or digit.`,
      );
    }
    const profile = findProfile(config, flag);
    if (profile) return fromProfile(profile, positional);
    if (positional) return { name: flag, scheduler: positional };
    if (isSchedulerKind(flag)) return { name: flag, scheduler: flag };
    throw new UsageError(
      `Unknown cluster "${flag}": ${
        config.path ? `${config.path} has` : "there is"
      } no profile of that name.`,
      `Name its scheduler too (molq submit slurm --cluster ${flag} ...) or add a [clusters.${flag}] profile.`,
    );
  }
  if (positional) {
    const own = findProfile(config, positional);
    if (own) return fromProfile(own, positional);
    const preferred = config.defaultCluster === undefined
      ? undefined
      : findProfile(config, config.defaultCluster);
    if (preferred?.scheduler === positional) return fromProfile(preferred, positional);
    return { name: positional, scheduler: positional };
  }
  if (config.defaultCluster !== undefined) {
    const profile = findProfile(config, config.defaultCluster);
    if (profile) return fromProfile(profile, undefined);
    if (isSchedulerKind(config.defaultCluster)) {
      return { name: config.defaultCluster, scheduler: config.defaultCluster };
    }
    throw new UsageError(`The default cluster "${config.defaultCluster}" has no profile.`);
  }
  throw new UsageError(
    `No cluster given: name a scheduler (${SCHEDULER_KINDS.join(", ")}) or pass --cluster NAME.`,
    `Set default_cluster in ${config.path ?? "~/.molq/config.toml"} to make one the default.`,
  );
}

function fromProfile(profile: ClusterProfile, positional?: SchedulerKind): ResolvedCluster {
  if (positional && positional !== profile.scheduler) {
    throw new UsageError(
      `Cluster "${profile.name}" uses the ${profile.scheduler} scheduler, not ${positional}.`,
    );
  }
  return { name: profile.name, scheduler: profile.scheduler, profile };
}

function schedulerKind(text: string): SchedulerKind {
  if (isSchedulerKind(text)) return text;
  throw new UsageError(
    `Unknown scheduler "${text}": expected one of ${SCHEDULER_KINDS.join(", ")}.`,
  );
}

/**
 * A resolved cluster's runtime settings, shaped like `ClusterSettings` in
 * src/api/cluster.ts (kept structural so config does not depend on the api layer).
 */
export interface ClusterRuntimeSettings {
  name: string;
  scheduler: SchedulerKind;
  jobsDir?: string;
  minPollIntervalMs?: number;
  schedulerOptions: {
    commands: Record<string, string>;
    commandTimeoutMs?: number;
    flavour?: "pro" | "torque";
    parallelEnvironment?: string;
  };
  /** Set for a cluster reached over SSH. */
  remote?: { host: string; sshOptions: string[]; auth: "batch" | "interactive" };
}

export function clusterRuntimeSettings(
  config: MolqConfig,
  cluster: ResolvedCluster,
): ClusterRuntimeSettings {
  const profile = cluster.profile;
  const settings: ClusterRuntimeSettings = {
    name: cluster.name,
    scheduler: cluster.scheduler,
    schedulerOptions: { commands: { ...profile?.commands } },
  };
  const jobsDir = profile?.jobsDir ?? config.jobsDir;
  if (jobsDir !== undefined) settings.jobsDir = jobsDir;
  const refresh = profile?.refresh ?? {};
  if (refresh.minIntervalSeconds !== undefined) {
    settings.minPollIntervalMs = refresh.minIntervalSeconds * 1000;
  }
  if (refresh.commandTimeoutSeconds !== undefined) {
    settings.schedulerOptions.commandTimeoutMs = refresh.commandTimeoutSeconds * 1000;
  }
  if (profile?.flavour !== undefined) settings.schedulerOptions.flavour = profile.flavour;
  if (profile?.remote) settings.remote = { ...profile.remote };
  if (profile?.parallelEnvironment !== undefined) {
    settings.schedulerOptions.parallelEnvironment = profile.parallelEnvironment;
  }
  return settings;
}

/** What the command line gave; unset fields fall through to the config. */
export interface SubmitFlags {
  resources?: Resources;
  scheduling?: Scheduling;
  /** `--env K=V`; merged key by key over the configured env. */
  env?: Record<string, string>;
  retry?: Partial<RetryPolicy>;
  jobsDir?: string;
}

export interface SubmitDefaults {
  resources: Resources;
  scheduling: Scheduling;
  env: Record<string, string>;
  retry: RetryPolicy;
  /** Undefined when nothing configures it: the caller uses `<cwd>/.molq/jobs`. */
  jobsDir?: string;
}

/**
 * Merges field by field: flag > profile defaults > top-level defaults > built-in.
 * A cluster without a profile gets the top-level defaults.
 */
export function resolveSubmitDefaults(
  config: MolqConfig,
  clusterName: string,
  flags: SubmitFlags = {},
): SubmitDefaults {
  const profile = findProfile(config, clusterName);
  const kind = profile?.scheduler ?? (isSchedulerKind(clusterName) ? clusterName : undefined);
  const top = kind === "local" ? forLocalJobs(config.defaults) : config.defaults;
  const own = profile?.defaults;
  const defaults: SubmitDefaults = {
    resources: layered<Resources>(top.resources, own?.resources, flags.resources),
    scheduling: layered<Scheduling>(top.scheduling, own?.scheduling, flags.scheduling),
    env: layered<Record<string, string>>(top.env, own?.env, flags.env),
    retry: layered<RetryPolicy>(BUILTIN_RETRY, config.retry, profile?.retry, flags.retry),
  };
  const jobsDir = flags.jobsDir ?? profile?.jobsDir ?? config.jobsDir;
  if (jobsDir !== undefined) defaults.jobsDir = jobsDir;
  return defaults;
}

/**
 * The top-level defaults are for every cluster, and most of them (cpus, mem, partition, ...)
 * mean nothing to local jobs, which refuse them as flags: only the time limit applies there.
 */
function forLocalJobs(defaults: MolqConfig["defaults"]): MolqConfig["defaults"] {
  const { timeLimitSeconds } = defaults.resources;
  return {
    ...defaults,
    resources: timeLimitSeconds === undefined ? {} : { timeLimitSeconds },
    scheduling: {},
  };
}

/** Later layers win, field by field; an undefined field never hides an earlier one. */
function layered<T extends object>(...layers: (Partial<T> | undefined)[]): T {
  const merged = new Map<string, unknown>();
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) merged.set(key, value);
    }
  }
  // fromEntries defines own properties, so an env key like `__proto__` stays a plain key.
  return Object.fromEntries(merged) as T;
}
