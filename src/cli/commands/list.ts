/** `molq list`: the stored jobs, newest first (active only unless --all). */
import { hostsWorthNaming } from "../../core/job_host.ts";
import { Command } from "../command_line/mod.ts";
import { ACTIVE_STATES, JOB_STATES, type JobState } from "../../core/job_state.ts";
import type { CliContext } from "../context.ts";
import { choiceOption, integerOption } from "../option_parsers.ts";
import { recordToJson } from "../record_json.ts";
import {
  HELD_ROWS,
  heldJobTable,
  jobTableLines,
  type JobTableRow,
  type JobTableStyle,
  measureJobTable,
} from "../job_rows.ts";
import { jobTableWidths } from "../job_table_widths.ts";
import { jsonArrayLines } from "../json_lines.ts";
import { refreshBeforeShowing } from "../refresh_clusters.ts";
import { addClusterOption, type ClusterFlags, listedCluster } from "../cluster_scope.ts";
import { pythonStoreNote } from "../python_store_hint.ts";
import type { StoredUsage } from "../../store/usage_rows.ts";
import type { JobStore, JobSummary, ListQuery } from "../../store/job_store.ts";
import { usageToJson } from "../usage_json.ts";
import { withUsage } from "../usage_batches.ts";

export function listCommand(context: () => CliContext): Command {
  const command = new Command("list")
    .description("List jobs from the store, newest first")
    .argument("[scheduler]", "only the cluster `molq submit SCHEDULER` uses (local, slurm, ...)")
    .option("--all", "include finished jobs");
  return addClusterOption(command, "only this cluster")
    .option("--state <state>", "only this state", choiceOption("--state", JOB_STATES))
    .option("--run <label>", "only this run label")
    .option("--limit <n>", "at most this many rows", integerOption("--limit"), 200)
    .option("--no-refresh", "read the store only (no scheduler query)")
    .option("--usage", "add what finished jobs used: CPU efficiency, memory peak and share")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq list
  molq list slurm --all
  molq list --all --cluster hpc --limit 50
  molq list --state failed --json
  molq list --all --run sweep --usage`,
    )
    .action(async (
      scheduler: string | undefined,
      options: ClusterFlags & {
        all?: boolean;
        state?: JobState;
        run?: string;
        limit: number;
        json?: boolean;
        refresh: boolean;
        usage?: boolean;
      },
    ) => {
      const ctx = context();
      const cluster = await listedCluster(ctx, scheduler, options);
      const states = options.state ? [options.state] : options.all ? undefined : ACTIVE_STATES;
      const query = { cluster, states, runLabel: options.run, limit: options.limit };
      const look = { color: ctx.color, usage: !!options.usage };
      // A short table is laid out while the refresh waits for its scheduler, and printed if
      // no job changed anywhere since (the store's change counter says so) and it is fresh.
      const ahead: { table: HeldTable | null } = { table: null };
      if (options.refresh) {
        const whileWaiting = options.json
          ? undefined
          : () => void (ahead.table = heldTableAhead(ctx, query, look));
        await refreshBeforeShowing(ctx, cluster ? { cluster } : undefined, { whileWaiting });
      }
      // Rows are printed as they are read, never all held (usage looked up a batch at a time).
      if (options.json) {
        if (!options.usage) {
          return ctx.printLines(jsonArrayLines(ctx.store.iterate(query), recordToJson));
        }
        return ctx.printLines(
          jsonArrayLines(
            withUsage(ctx.store, ctx.store.iterate(query)),
            ([record, usage]) => ({ ...recordToJson(record), usage: usageToJson(usage) }),
          ),
        );
      }
      const held = ahead.table;
      if (held && isStillTrue(held, ctx.store.changeVersion())) return ctx.printLines(held.lines);
      ctx.store.read(() => {
        const lines = tableLines(ctx, query, look);
        if (lines) return ctx.printLines(lines);
        const note = pythonStoreNote(ctx.store);
        if (note) console.error(`hint: ${note}`);
        ctx.print(
          options.all ? "No jobs." : "No active jobs (molq list --all shows finished ones).",
        );
      });
    });
}

type TableQuery = ListQuery & { limit: number };
type TableLook = { color: boolean; usage: boolean };

/** A held table's lines, and the store's change counter and the time when they were read. */
interface HeldTable {
  version: number;
  readAt: number;
  lines: string[];
}

/**
 * A table read ahead is printed only if no job changed since, and only this soon after: its
 * elapsed times are whole seconds counted to when it was read (a scheduler may take long).
 */
const READ_AHEAD_FRESH_MS = 500;

function isStillTrue(table: HeldTable, version: number): boolean {
  return table.version === version && Date.now() - table.readAt < READ_AHEAD_FRESH_MS;
}

/**
 * The table's lines (null: no rows), to be read in one read transaction. A listing of up to
 * HELD_ROWS rows is read once and laid out from its cells; a longer one gets its widths
 * first (one aggregate query, or with usage columns or wide text a first pass over the
 * rows), then streams.
 */
function tableLines(ctx: CliContext, query: TableQuery, look: TableLook): Iterable<string> | null {
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
function heldTableAhead(ctx: CliContext, query: TableQuery, look: TableLook): HeldTable | null {
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
