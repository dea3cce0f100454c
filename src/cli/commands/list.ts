/** `molq list`: the stored jobs, newest first (active only unless --all). */
import { Command } from "../command_line/mod.ts";
import { ACTIVE_STATES, JOB_STATES, type JobState } from "../../core/job_state.ts";
import type { CliContext } from "../context.ts";
import { choiceOption, integerOption } from "../option_parsers.ts";
import { recordToJson } from "../record_json.ts";
import { type HeldTable, heldTableAhead, isCurrent, tableLines } from "../list_table.ts";
import { jsonArrayLines } from "../json_lines.ts";
import { refreshBeforeShowing } from "../refresh_clusters.ts";
import { addClusterOption, type ClusterFlags, listedCluster } from "../cluster_scope.ts";
import { pythonStoreNote } from "../python_store_hint.ts";
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
      if (held && isCurrent(held, ctx.store.changeVersion())) return ctx.printLines(held.lines);
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
