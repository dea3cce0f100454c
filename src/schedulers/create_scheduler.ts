/** Builds the backend for a scheduler kind from a cluster's options. */
import type { SchedulerKind } from "../core/job_record.ts";
import { LocalScheduler } from "./local.ts";
import type { Scheduler } from "./scheduler.ts";

export interface SchedulerOptions {
  /** Paths of the scheduler's commands (site wrappers), by command name. */
  commands?: Record<string, string>;
  commandTimeoutMs?: number;
  /** PBS only: which PBS answers. */
  flavour?: "pro" | "torque";
}

export function createScheduler(kind: SchedulerKind, options: SchedulerOptions = {}): Scheduler {
  switch (kind) {
    case "local":
      return new LocalScheduler();
    default:
      throw new Error(`scheduler ${kind} is not built yet (${JSON.stringify(options)})`);
  }
}

/** How often a cluster may be polled, by kind: local is free, batch systems are shared. */
export const DEFAULT_MIN_POLL_INTERVAL_MS: Record<SchedulerKind, number> = {
  local: 1_000,
  slurm: 10_000,
  pbs: 10_000,
  lsf: 10_000,
};

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
