/**
 * The rule that names the clusters of imported jobs. The Python molq's CLI put its jobs in
 * `cli_local`, `cli_slurm`, ...: those go to the cluster `molq submit KIND` uses (`local`,
 * `slurm`, ... or the profile that command picks), so `molq list slurm` and
 * `molq status ID slurm` find them. A profile's name is kept as it is, and
 * `--cluster-map OLD=NEW` sets any name.
 */
import { MolqError, UsageError } from "../core/errors.ts";
import type { SchedulerKind } from "../core/job_record.ts";
import {
  CLUSTER_NAME_PATTERN,
  findProfile,
  isSchedulerKind,
  type MolqConfig,
} from "../config/config.ts";
import { resolveCluster } from "../config/resolve.ts";

/** The molq cluster for a Python molq cluster name. */
export function importedClusterName(
  config: MolqConfig,
  pythonName: string,
  map: Readonly<Record<string, string>>,
): string {
  if (Object.hasOwn(map, pythonName)) return map[pythonName]!;
  const kind = /^cli_(.+)$/.exec(pythonName)?.[1];
  if (kind !== undefined && isSchedulerKind(kind)) {
    return resolveCluster(config, { schedulerPositional: kind }).name;
  }
  if (!CLUSTER_NAME_PATTERN.test(pythonName)) {
    throw new UsageError(
      `The Python molq's cluster "${pythonName}" is not a valid molq cluster name: give it one with --cluster-map '${pythonName}=NAME'.`,
    );
  }
  return pythonName;
}

/** Checks `--cluster-map` against the clusters the file has. */
export function checkClusterMap(
  map: Readonly<Record<string, string>>,
  pythonNames: readonly string[],
): void {
  for (const [from, to] of Object.entries(map)) {
    if (!pythonNames.includes(from)) {
      throw new UsageError(
        `--cluster-map names the cluster "${from}", which the file does not have (it has ${
          pythonNames.join(", ") || "no jobs"
        }).`,
      );
    }
    if (!CLUSTER_NAME_PATTERN.test(to)) {
      throw new UsageError(
        `Invalid cluster name "${to}" in --cluster-map: use letters, digits, "_", "." and "-", starting with a letter or digit.`,
      );
    }
  }
}

/**
 * A molq cluster holds jobs of one scheduler: refuses a target whose profile, jobs or name
 * say another scheduler than the imported jobs'.
 */
export function checkClusterScheduler(
  config: MolqConfig,
  target: string,
  from: string,
  kind: SchedulerKind,
  existingKind: SchedulerKind | undefined,
): void {
  const known = findProfile(config, target)?.scheduler ?? existingKind ??
    (isSchedulerKind(target) ? target : undefined);
  if (known !== undefined && known !== kind) {
    throw new MolqError(
      `The Python molq's cluster "${from}" holds ${kind} jobs, but the cluster "${target}" here is a ${known} cluster: choose another name with --cluster-map ${from}=NAME.`,
    );
  }
}
