/** How often a cluster's scheduler may be asked, and how long one of its commands may take. */
import type { SchedulerKind } from "../core/job_record.ts";
import { UsageError } from "../core/errors.ts";
import { parseDurationSeconds } from "../core/duration.ts";

/**
 * How often a cluster may be polled at most, across all molq processes, by kind: local
 * (a /proc scan) every 1 s; SLURM, PBS, LSF and Grid Engine every 10 s, because their
 * controllers are shared by everyone on the cluster. A profile's `refresh.min_interval` sets another
 * value; the environment variable MOLQ_MIN_POLL_INTERVAL (a duration) overrides both.
 */
export const DEFAULT_MIN_POLL_INTERVAL_MS: Record<SchedulerKind, number> = {
  local: 1_000,
  slurm: 10_000,
  pbs: 10_000,
  lsf: 10_000,
  sge: 10_000,
};

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/** The minimum poll interval of a cluster: MOLQ_MIN_POLL_INTERVAL > configured > default. */
export function minPollIntervalMs(
  kind: SchedulerKind,
  configuredMs?: number,
  env: (name: string) => string | undefined = Deno.env.get,
): number {
  const override = env("MOLQ_MIN_POLL_INTERVAL");
  if (override) {
    try {
      return parseDurationSeconds(override) * 1000;
    } catch {
      throw new UsageError(
        `Invalid MOLQ_MIN_POLL_INTERVAL "${override}": expected a duration such as 5s or 1m.`,
      );
    }
  }
  return configuredMs ?? DEFAULT_MIN_POLL_INTERVAL_MS[kind];
}
