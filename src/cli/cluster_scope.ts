/**
 * Which jobs a command means: `--cluster NAME` (also spelled `--profile NAME`, as in the
 * Python molq) and a scheduler word, checked against each other as `submit` does.
 */
import type { Command } from "./command_line/mod.ts";
import { UsageError } from "../core/errors.ts";
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import { CLUSTER_NAME_PATTERN, findProfile, isSchedulerKind } from "../config/config.ts";
import { resolveCluster } from "../config/resolve.ts";
import { resolveJob } from "../store/resolve_job.ts";
import type { CliContext } from "./context.ts";
import { isSchedulerWord, unknownScheduler } from "./scheduler_word.ts";
import { withPythonStoreHint } from "./python_store_hint.ts";

export interface ClusterFlags {
  cluster?: string;
  profile?: string;
}

/** Adds `--cluster NAME` and its other name `--profile NAME`. */
export function addClusterOption(command: Command, description: string): Command {
  return command
    .option("--cluster <name>", description)
    .option("--profile <name>", "another name for --cluster");
}

/** The cluster named by `--cluster` or `--profile` (both may be given only if they agree). */
export function clusterFlag(options: ClusterFlags): string | undefined {
  const { cluster, profile } = options;
  if (cluster !== undefined && profile !== undefined && cluster !== profile) {
    throw new UsageError(
      `--profile is another name for --cluster, so "${profile}" and "${cluster}" contradict each other.`,
    );
  }
  const name = cluster ?? profile;
  if (name !== undefined && !CLUSTER_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `Invalid cluster name "${name}": use letters, digits, "_", "." and "-", starting with a letter or digit.`,
    );
  }
  return name;
}

/**
 * `--cluster NAME` of a command over many jobs: a configured profile, a scheduler's own
 * name, or a cluster with recorded jobs; anything else is a typo that would show nothing.
 */
export async function knownClusterFlag(
  ctx: CliContext,
  options: ClusterFlags,
): Promise<string | undefined> {
  const name = clusterFlag(options);
  if (name === undefined || isSchedulerKind(name) || ctx.store.clusterScheduler(name)) return name;
  const config = await ctx.config();
  if (findProfile(config, name)) return name;
  throw new UsageError(
    `Unknown cluster "${name}": ${
      config.path ? `${config.path} has` : "there is"
    } no profile of that name, and no jobs are recorded for it.`,
    "`molq clusters` lists the clusters molq knows.",
  );
}

/** What narrows a job-id command: the job must be of this cluster and this scheduler. */
export interface JobScope {
  cluster?: string;
  scheduler?: SchedulerKind;
}

/**
 * For commands on job ids. Ids are unique across clusters, so a scheduler word only checks
 * the jobs found (as `molq logs ID SCHEDULER` always did); with `--cluster` too, the two
 * must agree.
 */
export async function jobScope(
  ctx: CliContext,
  scheduler: SchedulerKind | undefined,
  options: ClusterFlags,
): Promise<JobScope> {
  const cluster = clusterFlag(options);
  if (cluster !== undefined && scheduler !== undefined) {
    await checkClusterScheduler(ctx, cluster, scheduler);
  }
  const scope: JobScope = {};
  if (cluster !== undefined) scope.cluster = cluster;
  if (scheduler !== undefined) scope.scheduler = scheduler;
  return scope;
}

/** Finds a job by id or prefix and checks it against the scope. */
export function resolveScopedJob(ctx: CliContext, id: string, scope: JobScope): JobRecord {
  const record = withPythonStoreHint(ctx, () => resolveJob(ctx.store, id, scope.cluster));
  if (scope.scheduler !== undefined && record.scheduler !== scope.scheduler) {
    throw new UsageError(
      `Job "${id}" ran on ${record.scheduler}, not ${scope.scheduler}.`,
    );
  }
  return record;
}

/**
 * For commands over many jobs (`list`, `history`, `watch --all`): the cluster to show, or
 * undefined for all. A scheduler word alone means the cluster `molq submit SCHEDULER` uses.
 */
export async function listedCluster(
  ctx: CliContext,
  scheduler: string | undefined,
  options: ClusterFlags,
): Promise<string | undefined> {
  const cluster = await knownClusterFlag(ctx, options);
  if (scheduler === undefined) return cluster;
  if (!isSchedulerWord(scheduler)) {
    throw unknownScheduler(scheduler);
  }
  if (cluster !== undefined) {
    await checkClusterScheduler(ctx, cluster, scheduler);
    return cluster;
  }
  return resolveCluster(await ctx.config(), { schedulerPositional: scheduler }).name;
}

async function checkClusterScheduler(
  ctx: CliContext,
  cluster: string,
  scheduler: SchedulerKind,
): Promise<void> {
  const profile = findProfile(await ctx.config(), cluster);
  const kind = profile?.scheduler ?? ctx.store.clusterScheduler(cluster) ??
    (isSchedulerKind(cluster) ? cluster : undefined);
  if (kind !== undefined && kind !== scheduler) {
    throw new UsageError(`Cluster "${cluster}" uses the ${kind} scheduler, not ${scheduler}.`);
  }
}
