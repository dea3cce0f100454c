/**
 * The two dashboards: MolqMonitor (every persisted job, `molq monitor`) and RunDashboard
 * (the same screen focused on a set of jobs: `molq watch ID... --ui`, `molq monitor --run`).
 */
import { type DashboardExit, type DashboardOptions, runDashboard } from "./app.ts";
import type { DashboardSource } from "./source.ts";

/** What both dashboards share; see DashboardOptions for the test hooks. */
export interface DashboardSettings {
  source: DashboardSource;
  /** Seconds between background refreshes; default 2. */
  refreshSeconds?: number;
  /** Default: on unless NO_COLOR is set. */
  color?: boolean;
  limit?: number;
  cluster?: string;
  commandName?: string;
  terminal?: DashboardOptions["terminal"];
}

export interface RunDashboardOptions extends DashboardSettings {
  /** The jobs to follow (molq job ids). */
  jobIds?: readonly string[];
  /** Or every job of a run label. */
  runLabel?: string;
  title?: string;
}

/**
 * A dashboard focused on some jobs, with finished ones kept on screen and a progress bar.
 *
 * ```ts
 * const source = storeDashboardSource(store, () => refreshAll(store), (id) => cancelJob(store, id));
 * const exit = await new RunDashboard({ source, jobIds: handles.map((h) => h.jobId) }).run();
 * ```
 */
export class RunDashboard {
  constructor(private readonly options: RunDashboardOptions) {}

  run(): Promise<DashboardExit> {
    const { jobIds, runLabel } = this.options;
    const focus = runLabel !== undefined
      ? `run ${runLabel}`
      : `${jobIds?.length ?? 0} job${jobIds?.length === 1 ? "" : "s"}`;
    return runDashboard({
      ...this.options,
      title: this.options.title ?? `molq · ${focus}`,
      commandName: this.options.commandName ?? "molq watch --ui",
      query: {
        jobIds,
        runLabel,
        cluster: this.options.cluster,
        all: true,
        limit: this.options.limit,
      },
    });
  }
}

export interface MolqMonitorOptions extends DashboardSettings {
  /** Terminal jobs too; default only active ones (plus those seen finishing). */
  all?: boolean;
}

/**
 * Every persisted job across clusters, newest first.
 *
 * ```ts
 * const exit = await new MolqMonitor({ source, all: true, limit: 500, refreshSeconds: 1.5 }).run();
 * ```
 */
export class MolqMonitor {
  constructor(private readonly options: MolqMonitorOptions) {}

  run(): Promise<DashboardExit> {
    const { all, cluster, limit } = this.options;
    const scope = cluster === undefined ? "all clusters" : `cluster ${cluster}`;
    return runDashboard({
      ...this.options,
      title: `molq monitor · ${scope} · ${all ? "all jobs" : "active jobs"}`,
      query: { all, cluster, limit },
    });
  }
}
