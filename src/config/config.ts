/**
 * The validated configuration (`~/.molq/config.toml`): cluster profiles, submit defaults,
 * retry and retention policy. Plain data, so `--json` views can print it as it is.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import type { Resources, RetryPolicy, Scheduling } from "../core/job_request.ts";
import type { NotifyConfig } from "./notify_config.ts";

export type ColorMode = "auto" | "always" | "never";
export const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

export type PbsFlavour = "pro" | "torque";
export const PBS_FLAVOURS: readonly PbsFlavour[] = ["pro", "torque"];

/** Cluster names: what `--cluster` takes and `[clusters.NAME]` declares. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The scheduler commands a profile may point at a site wrapper, by scheduler kind. */
export const SCHEDULER_COMMANDS: Readonly<Record<SchedulerKind, readonly string[]>> = {
  local: [],
  slurm: ["sbatch", "squeue", "sacct", "scancel"],
  pbs: ["qsub", "qstat", "qdel"],
  lsf: ["bsub", "bjobs", "bkill", "bhist"],
  sge: ["qsub", "qstat", "qacct", "qdel"],
};

/** Default resources, scheduling and job environment for submissions. */
export interface SubmitDefaultsConfig {
  resources: Resources;
  scheduling: Scheduling;
  /** Extra environment for the job; values are kept literally (no expansion). */
  env?: Record<string, string>;
}

export interface RetentionPolicy {
  jobDirsDays: number;
  recordsDays: number;
  keepFailedDirs: boolean;
}

export interface RefreshSettings {
  /** No status query for this cluster when another process polled it more recently. */
  minIntervalSeconds?: number;
  /** Timeout for each scheduler command. */
  commandTimeoutSeconds?: number;
}

export interface ClusterProfile {
  name: string;
  scheduler: SchedulerKind;
  /** With `$VAR`, `${VAR}` and a leading `~` expanded; relative paths are kept relative. */
  jobsDir?: string;
  defaults: SubmitDefaultsConfig;
  /** Scheduler command name → the program to run instead (expanded). */
  commands: Record<string, string>;
  refresh: RefreshSettings;
  /** Overrides of the top-level `[retry]`, field by field. */
  retry?: Partial<RetryPolicy>;
  /** PBS only. */
  flavour?: PbsFlavour;
  /** Grid Engine only: the parallel environment `--cpus` asks for (default `smp`). */
  parallelEnvironment?: string;
  /** A cluster reached over SSH: its commands run and its job files live there. */
  remote?: RemoteSettings;
  /** Overrides of the top-level `[notify]`, key by key. */
  notify?: NotifyConfig;
}

/** How molq logs in: `batch` (keys, agent) may connect on demand; `interactive` never does. */
export type SshAuth = "batch" | "interactive";
export const SSH_AUTH_MODES: readonly SshAuth[] = ["batch", "interactive"];

export interface RemoteSettings {
  /** An ssh destination: an alias of the user's ssh config, or `user@host`. */
  host: string;
  /** Extra arguments for every ssh call (`-F`, `-J`, `-o ...`), `~` expanded. */
  sshOptions: string[];
  auth: SshAuth;
}

export interface MolqConfig {
  /** The file read, or null when there was none (built-in defaults). */
  path: string | null;
  /** A profile name, or a scheduler kind standing for its implicit cluster. */
  defaultCluster?: string;
  color: ColorMode;
  /** Default jobs directory for every cluster (expanded). */
  jobsDir?: string;
  /** Top-level `[defaults]`: apply to every cluster below its profile's own defaults. */
  defaults: SubmitDefaultsConfig;
  retention: RetentionPolicy;
  retry: RetryPolicy;
  /** Top-level `[notify]`: how finished jobs tell their user (none when absent). */
  notify?: NotifyConfig;
  clusters: Record<string, ClusterProfile>;
}

export const BUILTIN_RETENTION: Readonly<RetentionPolicy> = {
  jobDirsDays: 30,
  recordsDays: 90,
  keepFailedDirs: true,
};

export const BUILTIN_RETRY: Readonly<RetryPolicy> = {
  attempts: 1,
  backoffSeconds: 30,
  onExitCodes: [],
};

/** The configuration when there is no file. */
export function builtinConfig(): MolqConfig {
  return {
    path: null,
    color: "auto",
    defaults: { resources: {}, scheduling: {} },
    retention: { ...BUILTIN_RETENTION },
    retry: { ...BUILTIN_RETRY, onExitCodes: [] },
    clusters: {},
  };
}

/** The profile called `name`, if the config declares one (own keys only). */
export function findProfile(config: MolqConfig, name: string): ClusterProfile | undefined {
  return Object.hasOwn(config.clusters, name) ? config.clusters[name] : undefined;
}

export function isSchedulerKind(name: string): name is SchedulerKind {
  return Object.hasOwn(SCHEDULER_COMMANDS, name);
}
