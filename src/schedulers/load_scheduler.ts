/**
 * Builds the backend for a scheduler kind, importing only that backend: the CLI's start-up
 * pays for every module it loads (createScheduler loads them all).
 */
import type { SchedulerKind } from "../core/job_record.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SchedulerOptions } from "./create_scheduler.ts";

export async function loadScheduler(
  kind: SchedulerKind,
  options: SchedulerOptions = {},
): Promise<Scheduler> {
  switch (kind) {
    case "local":
      return new (await import("./local.ts")).LocalScheduler({ runner: options.runner });
    case "slurm":
      return new (await import("./slurm.ts")).SlurmScheduler(options);
    case "pbs":
      return new (await import("./pbs.ts")).PbsScheduler(options);
    case "lsf":
      return new (await import("./lsf.ts")).LsfScheduler(options);
    case "sge":
      return new (await import("./sge.ts")).SgeScheduler(options);
  }
}
