/** `molq list`: the stored jobs, newest first (active only unless --all). */
import { Command } from "../command_line/mod.ts";
import { ACTIVE_STATES, JOB_STATES, type JobState } from "../../core/job_state.ts";
import type { CliContext } from "../context.ts";
import { choiceOption, integerOption } from "../option_parsers.ts";
import { recordToJson } from "../record_json.ts";
import { jobTableLines } from "../job_rows.ts";
import { jobTableWidths } from "../job_table_widths.ts";
import { jsonArrayLines } from "../json_lines.ts";
import { refreshClusters } from "../refresh_clusters.ts";
import { addClusterOption, type ClusterFlags, listedCluster } from "../cluster_scope.ts";
import { pythonStoreNote } from "../python_store_hint.ts";

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
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq list
  molq list slurm --all
  molq list --all --cluster hpc --limit 50
  molq list --state failed --json`,
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
      },
    ) => {
      const ctx = context();
      const cluster = await listedCluster(ctx, scheduler, options);
      if (options.refresh) {
        await refreshClusters(ctx, cluster ? { cluster } : undefined);
      }
      const states = options.state ? [options.state] : options.all ? undefined : ACTIVE_STATES;
      const query = { cluster, states, runLabel: options.run, limit: options.limit };
      // Rows are printed as they are read, never all held; a table's column widths come
      // from one aggregate query first, in the same read transaction (so both see the same rows).
      if (options.json) {
        return ctx.printLines(jsonArrayLines(ctx.store.iterate(query), recordToJson));
      }
      ctx.store.read(() => {
        const style = {
          color: ctx.color,
          now: Date.now(),
          withHosts: ctx.store.localHosts().length > 1,
        };
        const { rows, widths } = jobTableWidths(ctx.store, query, style);
        if (rows === 0) {
          const note = pythonStoreNote(ctx.store);
          if (note) console.error(`hint: ${note}`);
          return ctx.print(
            options.all ? "No jobs." : "No active jobs (molq list --all shows finished ones).",
          );
        }
        ctx.printLines(jobTableLines(ctx.store.iterateSummaries(query), widths, style));
      });
    });
}
