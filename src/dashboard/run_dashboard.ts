/**
 * The two dashboards: MolqMonitor (every persisted job, `molq monitor`) and RunDashboard
 * (the same screen focused on a set of jobs: `molq watch ID... --ui`, `molq monitor --run`).
 * Both need a terminal, always restore it (on quit, errors and signals), and never cancel
 * a job by closing.
 */
import { type DashboardExit, type DashboardOptions, runDashboard } from "./app.ts";
import type { DashboardSource } from "./source.ts";
import { type LibrarySourceOptions, openLibrarySource } from "./library_source.ts";

export type { DashboardExit } from "./app.ts";

/**
 * What both dashboards share. The jobs come from `source` when given (the CLI's), else
 * from the `submitor`'s store, else from `store` (default MOLQ_DB or `~/.molq/jobs.db`).
 */
export interface DashboardSettings extends Omit<LibrarySourceOptions, "cluster"> {
  source?: DashboardSource;
  /** Seconds between background refreshes; default 2. */
  refreshSeconds?: number;
  /** Default: on unless NO_COLOR is set. */
  color?: boolean;
  /** At most this many jobs. */
  limit?: number;
  /** Only this cluster's jobs (and only its refreshes). */
  cluster?: string;
  /** Names the command in the not-a-terminal error. */
  commandName?: string;
  /** For tests: a fake terminal. */
  terminal?: DashboardOptions["terminal"];
}

/** Options of RunDashboard: the jobs to focus on, by id or by run label. */
export interface RunDashboardOptions extends DashboardSettings {
  /** The jobs to follow (molq job ids). */
  jobIds?: readonly string[];
  /** Or every job of a run label. */
  runLabel?: string;
  /** The title bar; default `molq · N jobs` or `molq · run LABEL`. */
  title?: string;
}

/**
 * A dashboard focused on some jobs (and their array tasks), with finished ones kept on
 * screen and a progress bar.
 *
 * ```ts
 * const jobs = [await submitor.submit({ argv: ["python", "train.py"] })];
 * const exit = await new RunDashboard({ submitor, jobIds: jobs.map((job) => job.jobId) }).run();
 * ```
 */
export class RunDashboard {
  constructor(private readonly options: RunDashboardOptions) {}

  /** Runs until `q`, Ctrl-C, a signal or the end of input; throws without a terminal. */
  run(): Promise<DashboardExit> {
    const { jobIds, runLabel } = this.options;
    const focus = runLabel !== undefined
      ? `run ${runLabel}`
      : `${jobIds?.length ?? 0} job${jobIds?.length === 1 ? "" : "s"}`;
    return withSource(this.options, (source) =>
      runDashboard({
        ...this.options,
        source,
        title: this.options.title ?? `molq · ${focus}`,
        commandName: this.options.commandName ?? "molq watch --ui",
        query: {
          jobIds,
          runLabel,
          cluster: this.options.cluster,
          all: true,
          limit: this.options.limit,
        },
      }));
  }
}

/** Options of MolqMonitor. */
export interface MolqMonitorOptions extends DashboardSettings {
  /** Terminal jobs too; default only active ones (plus those seen finishing). */
  all?: boolean;
}

/**
 * Every persisted job across clusters, newest first: `molq monitor` as a library call.
 *
 * ```ts
 * const exit = await new MolqMonitor({ all: true, limit: 500, refreshSeconds: 1.5 }).run();
 * ```
 */
export class MolqMonitor {
  constructor(private readonly options: MolqMonitorOptions = {}) {}

  /** Runs until `q`, Ctrl-C, a signal or the end of input; throws without a terminal. */
  run(): Promise<DashboardExit> {
    const { all, cluster, limit } = this.options;
    const scope = cluster === undefined ? "all clusters" : `cluster ${cluster}`;
    return withSource(this.options, (source) =>
      runDashboard({
        ...this.options,
        source,
        title: `molq monitor · ${scope} · ${all ? "all jobs" : "active jobs"}`,
        query: { all, cluster, limit },
      }));
  }
}

/** Runs `work` on the given source, or on a library source closed when it ends. */
async function withSource<T>(
  settings: DashboardSettings,
  work: (source: DashboardSource) => Promise<T>,
): Promise<T> {
  if (settings.source) return await work(settings.source);
  const library = openLibrarySource(settings);
  try {
    return await work(library.source);
  } finally {
    library.close();
  }
}
