/** Builds the backend for a scheduler kind from a cluster's options. */
import type { SchedulerKind } from "../core/job_record.ts";
import { UsageError } from "../core/errors.ts";
import { parseDurationSeconds } from "../core/duration.ts";
import { LocalScheduler } from "./local.ts";
import { SlurmScheduler } from "./slurm.ts";
import { PbsScheduler } from "./pbs.ts";
import { LsfScheduler } from "./lsf.ts";
import { SgeScheduler } from "./sge.ts";
import type { Scheduler } from "./scheduler.ts";
import type { Runner } from "../process/runner.ts";

export interface SchedulerOptions {
  /** Paths of the scheduler's commands (site wrappers), by command name. */
  commands?: Record<string, string>;
  commandTimeoutMs?: number;
  /** PBS only: which PBS answers. */
  flavour?: "pro" | "torque";
  /** Where the commands run and the job files live; default this host. */
  runner?: Runner;
  /** Grid Engine only: the parallel environment `--cpus` asks for. */
  parallelEnvironment?: string;
}

export function createScheduler(kind: SchedulerKind, options: SchedulerOptions = {}): Scheduler {
  switch (kind) {
    case "local":
      return new LocalScheduler({ runner: options.runner });
    case "slurm":
      return new SlurmScheduler(options);
    case "pbs":
      return new PbsScheduler(options);
    case "lsf":
      return new LsfScheduler(options);
    case "sge":
      return new SgeScheduler(options);
  }
}

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
