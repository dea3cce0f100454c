/** Builds the backend for a scheduler kind from a cluster's options, every backend loaded. */
import type { SchedulerKind } from "../core/job_record.ts";
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
