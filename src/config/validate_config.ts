/**
 * Turns a parsed config document into a typed MolqConfig, collecting every problem
 * (for `molq config check`) instead of stopping at the first.
 */
import { UsageError } from "../core/errors.ts";
import {
  BUILTIN_RETENTION,
  BUILTIN_RETRY,
  type ClusterProfile,
  COLOR_MODES,
  isSchedulerKind,
  type MolqConfig,
} from "./config.ts";
import { denoEnv, type EnvGetter } from "./config_path.ts";
import { readRetention, readRetry, readSubmitDefaults } from "./config_sections.ts";
import { readClusterProfile } from "./validate_cluster.ts";
import { checkNotifyHow, mergeNotify, readNotify } from "./notify_config.ts";
import {
  type ConfigProblem,
  isTable,
  Problems,
  readChoice,
  readPath,
  readString,
  readTable,
  tomlType,
} from "./_fields.ts";

export type { ConfigProblem } from "./_fields.ts";

export const TOP_LEVEL_KEYS = [
  "default_cluster",
  "color",
  "jobs_dir",
  "defaults",
  "retention",
  "retry",
  "notify",
  "clusters",
] as const;

export interface ValidateOptions {
  /** The file the document came from, for messages; null for an in-memory document. */
  path: string | null;
  /** Used to expand `$VAR` and `~` in paths. */
  env?: EnvGetter;
}

/** Either a config (no problems) or every problem found. */
export type ConfigCheck =
  | { config: MolqConfig; problems: [] }
  | { config: null; problems: ConfigProblem[] };

export function validateConfig(document: unknown, options: ValidateOptions): ConfigCheck {
  const env = options.env ?? denoEnv;
  const problems = new Problems();
  const table = readTable(document, [], problems, TOP_LEVEL_KEYS) ?? {};
  const clusters = readClusters(table["clusters"], problems, env);
  const retry = readRetry(table["retry"], ["retry"], problems);
  const config: MolqConfig = {
    path: options.path,
    color: readChoice(table, "color", [], problems, COLOR_MODES) ?? "auto",
    defaults: readSubmitDefaults(table["defaults"], ["defaults"], problems),
    retention: {
      ...BUILTIN_RETENTION,
      ...readRetention(table["retention"], ["retention"], problems),
    },
    retry: { ...BUILTIN_RETRY, onExitCodes: [], ...retry },
    clusters,
  };
  const jobsDir = readPath(table, "jobs_dir", [], problems, env);
  if (jobsDir !== undefined) config.jobsDir = jobsDir;
  if (table["notify"] !== undefined) {
    config.notify = readNotify(table["notify"], ["notify"], problems);
    // Profiles may bring the command or mail themselves (checked below).
    const profilesSayHow = Object.values(clusters).some((p) => p.notify !== undefined);
    if (!profilesSayHow) checkNotifyHow(config.notify, ["notify"], problems);
  }
  for (const profile of Object.values(clusters)) {
    if (profile.notify === undefined) continue;
    const path = ["clusters", profile.name, "notify"];
    checkNotifyHow(mergeNotify(config.notify, profile.notify), path, problems);
  }
  const defaultCluster = readString(table, "default_cluster", [], problems);
  if (defaultCluster !== undefined) {
    if (Object.hasOwn(clusters, defaultCluster) || isSchedulerKind(defaultCluster)) {
      config.defaultCluster = defaultCluster;
    } else if (!isTable(table["clusters"]) || !Object.hasOwn(table["clusters"], defaultCluster)) {
      // (A declared but invalid profile has its own problems already.)
      problems.add(["default_cluster"], noSuchProfile(defaultCluster, Object.keys(clusters)));
    }
  }
  if (problems.list.length > 0) return { config: null, problems: problems.list };
  return { config, problems: [] };
}

/** One sentence for a problem: `Invalid config FILE: KEY: PROBLEM.` */
export function formatProblem(path: string | null, problem: ConfigProblem): string {
  const where = problem.at ? `${problem.at}: ` : "";
  return `Invalid config${path ? ` ${path}` : ""}: ${where}${problem.message}.`;
}

/** A usage error for an invalid config; `problems` holds all of them, the message the first. */
export class ConfigError extends UsageError {
  constructor(readonly path: string | null, readonly problems: readonly ConfigProblem[]) {
    super(
      formatProblem(path, problems[0] ?? { at: "", message: "invalid" }),
      moreProblemsHint(problems.length - 1),
    );
    this.name = "ConfigError";
  }
}

function moreProblemsHint(more: number): string | undefined {
  if (more <= 0) return undefined;
  const count = more === 1 ? "1 more problem" : `${more} more problems`;
  return `${count} in this file; \`molq config check\` lists them all.`;
}

/** The config, or a ConfigError carrying every problem. */
export function assertValidConfig(document: unknown, options: ValidateOptions): MolqConfig {
  const check = validateConfig(document, options);
  if (check.config === null) throw new ConfigError(options.path, check.problems);
  return check.config;
}

function readClusters(
  value: unknown,
  problems: Problems,
  env: EnvGetter,
): Record<string, ClusterProfile> {
  const clusters: Record<string, ClusterProfile> = {};
  if (value === undefined) return clusters;
  if (!isTable(value)) {
    problems.add(["clusters"], `expected a table of profiles, got ${tomlType(value)}`);
    return clusters;
  }
  for (const [name, profileValue] of Object.entries(value)) {
    const profile = readClusterProfile(name, profileValue, problems, env);
    if (profile) clusters[name] = profile;
  }
  return clusters;
}

function noSuchProfile(name: string, known: string[]): string {
  const list = known.length > 0 ? `profiles: ${known.join(", ")}` : "no profiles are declared";
  return `no profile named "${name}" (${list}; a scheduler kind also works)`;
}
