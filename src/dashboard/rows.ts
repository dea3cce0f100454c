/**
 * Records → table rows: array tasks grouped under their array, counts for the header,
 * and the state and text filters. Pure; the selection lives in state.ts.
 */
import { clusterLabel, hostsWorthNaming, localHostsOf } from "../core/job_host.ts";
import type { DashboardJob } from "../store/job_views.ts";
import { isTerminal, type JobState } from "../core/job_state.ts";
import { reasonText } from "./format.ts";

export type StateFilter = "all" | JobState;

export interface TableRow {
  record: DashboardJob;
  /** 0 for a job or an array, 1 for a task shown under its expanded array. */
  depth: 0 | 1;
  /** For an array record: its loaded tasks, how many finished, and the first task start. */
  tasks: { total: number; finished: number; startedAt: number | null } | null;
  expanded: boolean;
}

export interface Summary {
  counts: Readonly<Partial<Record<JobState, number>>>;
  /** Jobs counted: array tasks stand for their array when they are loaded. */
  total: number;
  finished: number;
}

/** Longest texts of the loaded records, so column widths do not jump while scrolling. */
export interface ColumnHints {
  cluster: number;
  schedulerJobId: number;
  reason: number;
  runLabel: number;
  /** Name or command, plus room for an array's marker and task counts. */
  name: number;
  /** Local jobs of several hosts are shown: the cluster column names each job's host. */
  hosts?: boolean;
}

export interface GroupedRecords {
  byId: ReadonlyMap<string, DashboardJob>;
  tasksByArray: ReadonlyMap<string, readonly DashboardJob[]>;
  topLevel: readonly DashboardJob[];
  summary: Summary;
  hints: ColumnHints;
}

/** Groups tasks under their array (when the array is loaded) and counts jobs by state. */
export function groupRecords(
  records: readonly DashboardJob[],
  here = Deno.hostname(),
): GroupedRecords {
  const byId = new Map<string, DashboardJob>();
  for (const record of records) byId.set(record.jobId, record);
  const tasksByArray = new Map<string, DashboardJob[]>();
  const topLevel: DashboardJob[] = [];
  for (const record of records) {
    const parent = record.arrayJobId;
    if (
      parent !== null && record.arrayTaskId !== null && parent !== record.jobId && byId.has(parent)
    ) {
      const tasks = tasksByArray.get(parent);
      if (tasks) tasks.push(record);
      else tasksByArray.set(parent, [record]);
    } else {
      topLevel.push(record);
    }
  }
  for (const tasks of tasksByArray.values()) tasks.sort(compareTasks);
  const counts: Partial<Record<JobState, number>> = {};
  let total = 0;
  let finished = 0;
  const hints: ColumnHints = { cluster: 0, schedulerJobId: 0, reason: 0, runLabel: 0, name: 0 };
  hints.hosts = hostsWorthNaming(localHostsOf(records), here);
  for (const record of records) {
    hints.cluster = Math.max(hints.cluster, clusterLabel(record, hints.hosts).length);
    hints.schedulerJobId = Math.max(hints.schedulerJobId, record.schedulerJobId?.length ?? 0);
    hints.runLabel = Math.max(hints.runLabel, record.runLabel?.length ?? 0);
    hints.reason = Math.max(hints.reason, reasonText(record).length);
    hints.name = Math.max(hints.name, (record.name ?? record.commandDisplay).length + 16);
    if (tasksByArray.has(record.jobId)) continue; // its tasks are counted instead
    counts[record.state] = (counts[record.state] ?? 0) + 1;
    total++;
    if (isTerminal(record.state)) finished++;
  }
  return { byId, tasksByArray, topLevel, summary: { counts, total, finished }, hints };
}

function compareTasks(a: DashboardJob, b: DashboardJob): number {
  const x = Number(a.arrayTaskId);
  const y = Number(b.arrayTaskId);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return (a.arrayTaskId ?? "").localeCompare(b.arrayTaskId ?? "");
}

function matchesText(record: DashboardJob, needle: string): boolean {
  if (needle === "") return true;
  const fields = [
    record.jobId,
    record.name,
    record.commandDisplay,
    record.cluster,
    record.schedulerJobId,
    record.runLabel,
    record.state,
    record.stateDetail,
    record.failureReason,
  ];
  return fields.some((field) => field !== null && field.toLowerCase().includes(needle));
}

/** What the rows depend on (a DashboardState is one). */
export interface RowInputs {
  topLevel: readonly DashboardJob[];
  tasksByArray: ReadonlyMap<string, readonly DashboardJob[]>;
  stateFilter: StateFilter;
  textFilter: string;
  expanded: ReadonlySet<string>;
}

/** Rows after the state and text filters, with expanded arrays followed by their tasks. */
export function buildRows(state: RowInputs): TableRow[] {
  const needle = state.textFilter.trim().toLowerCase();
  const stateOk = (record: DashboardJob) =>
    state.stateFilter === "all" || record.state === state.stateFilter;
  const rows: TableRow[] = [];
  for (const record of state.topLevel) {
    const tasks = state.tasksByArray.get(record.jobId) ?? [];
    const parentText = matchesText(record, needle);
    const shownTasks = tasks.filter((task) =>
      stateOk(task) && (parentText || matchesText(task, needle))
    );
    if (!(stateOk(record) && parentText) && shownTasks.length === 0) continue;
    const expanded = tasks.length > 0 && state.expanded.has(record.jobId);
    const summary = tasks.length === 0 ? null : arraySummary(tasks);
    rows.push({ record, depth: 0, tasks: summary, expanded });
    if (expanded) {
      for (const task of shownTasks) rows.push({ record: task, depth: 1, tasks: null, expanded });
    }
  }
  return rows;
}

function arraySummary(tasks: readonly DashboardJob[]): NonNullable<TableRow["tasks"]> {
  let finished = 0;
  let startedAt: number | null = null;
  for (const task of tasks) {
    if (isTerminal(task.state)) finished++;
    if (task.startedAt !== null && (startedAt === null || task.startedAt < startedAt)) {
      startedAt = task.startedAt;
    }
  }
  return { total: tasks.length, finished, startedAt };
}
