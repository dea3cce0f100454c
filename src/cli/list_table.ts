/**
 * The table `molq list` prints, read in one read transaction: a listing of up to HELD_ROWS
 * rows is read once and laid out from its cells, a longer one streams at widths measured
 * first. A short one can also be read ahead, while a refresh waits for its scheduler.
 */
import { hostsWorthNaming } from "../core/job_host.ts";
import type { CliContext } from "./context.ts";
import {
  HELD_ROWS,
  heldJobTable,
  jobTableLines,
  type JobTableRow,
  type JobTableStyle,
  measureJobTable,
} from "./job_rows.ts";
import { jobTableWidths } from "./job_table_widths.ts";
import type { StoredUsage } from "../store/usage_rows.ts";
import type { JobStore, JobSummary, ListQuery } from "../store/job_store.ts";
import { withUsage } from "./usage_batches.ts";

type TableQuery = ListQuery & { limit: number };
/** How the table looks: coloured or not, with the usage columns or not. */
export type TableLook = { color: boolean; usage: boolean };

/** A held table's lines, and the store's change counter and the time when they were read. */
export interface HeldTable {
  version: number;
  readAt: number;
  lines: string[];
}

/**
 * A table read ahead is printed only if no job changed since, and only this soon after: its
 * elapsed times are whole seconds counted to when it was read (a scheduler may take long).
 */
const READ_AHEAD_FRESH_MS = 500;

/** Whether a table read ahead may still be printed, the store's change counter being `version`. */
export function isCurrent(table: HeldTable, version: number): boolean {
  return table.version === version && Date.now() - table.readAt < READ_AHEAD_FRESH_MS;
}

/**
 * The table's lines (null: no rows), to be read in one read transaction. A listing of up to
 * HELD_ROWS rows is read once and laid out from its cells; a longer one gets its widths
 * first (one aggregate query, or with usage columns or wide text a first pass over the
 * rows), then streams.
 */
export function tableLines(
  ctx: CliContext,
  query: TableQuery,
  look: TableLook,
): Iterable<string> | null {
  const count = countUpTo(ctx.store, query, HELD_ROWS);
  if (count === 0) return null;
  const style = tableStyle(ctx, look);
  if (count <= HELD_ROWS) return heldJobTable(tableRows(ctx, query, style), style);
  const { widths } = (style.usage ? null : jobTableWidths(ctx.store, query, style)) ??
    measureJobTable(tableRows(ctx, query, style), style);
  return jobTableLines(tableRows(ctx, query, style), widths, style);
}

/**
 * The whole table read ahead, if it has rows and is short enough to hold; null otherwise,
 * or when it cannot be read now (the listing after the refresh then reads it, and says why).
 */
export function heldTableAhead(
  ctx: CliContext,
  query: TableQuery,
  look: TableLook,
): HeldTable | null {
  try {
    return ctx.store.read(() => {
      const count = countUpTo(ctx.store, query, HELD_ROWS);
      if (count === 0 || count > HELD_ROWS) return null;
      const style = tableStyle(ctx, look);
      const lines = [...heldJobTable(tableRows(ctx, query, style), style)];
      return { version: ctx.store.changeVersion(), readAt: style.now, lines };
    });
  } catch {
    return null;
  }
}

function tableStyle(ctx: CliContext, look: TableLook): JobTableStyle {
  const withHosts = hostsWorthNaming(ctx.store.localHosts(), Deno.hostname());
  return { ...look, now: Date.now(), withHosts };
}

function tableRows(
  ctx: CliContext,
  query: TableQuery,
  style: JobTableStyle,
): Iterable<JobTableRow> {
  return style.usage
    ? mapUsage(withUsage(ctx.store, ctx.store.iterateSummaries(query)))
    : mapRows(ctx.store.iterateSummaries(query));
}

/** How many rows the listing has, counted up to one past `max` (a bounded index walk). */
function countUpTo(store: JobStore, query: TableQuery, max: number): number {
  const counted = { ...query, limit: Math.min(query.limit, max + 1) };
  return Number(store.summarize(counted, "count(*) AS rows").rows);
}

function* mapRows(records: Iterable<JobSummary>): Generator<JobTableRow> {
  for (const record of records) yield { record };
}

function* mapUsage(pairs: Iterable<[JobSummary, StoredUsage | undefined]>): Generator<JobTableRow> {
  for (const [record, stored] of pairs) yield { record, usage: stored?.usage ?? null };
}
