/** `molq refresh`: one reconcile pass for every cluster with active jobs; cron-safe. */
import { Command } from "../command_line/mod.ts";
import { MolqError } from "../../core/errors.ts";
import type { CliContext } from "../context.ts";
import { refreshClusters } from "../refresh_clusters.ts";
import { addClusterOption, type ClusterFlags, knownClusterFlag } from "../cluster_scope.ts";

export function refreshCommand(context: () => CliContext): Command {
  const command = new Command("refresh")
    .description("Reconcile stored jobs with their schedulers (safe to run from cron)");
  return addClusterOption(command, "only this cluster")
    .option("--force", "poll even if another process polled recently")
    .option("-q, --quiet", "print nothing on success (for cron)")
    .option("--json", "print the pass results as JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq refresh
  */5 * * * * molq refresh --quiet      # crontab line`,
    )
    .action(
      async (
        options: ClusterFlags & { force?: boolean; quiet?: boolean; json?: boolean },
      ) => {
        const ctx = context();
        const cluster = await knownClusterFlag(ctx, options);
        if (cluster && !ctx.store.clusterScheduler(cluster)) {
          // A known cluster without jobs yet has nothing to refresh (cron stays quiet).
          if (options.json) ctx.printJson([]);
          else if (!options.quiet) ctx.print(`No jobs recorded for cluster "${cluster}" yet.`);
          return;
        }
        const selection = cluster ? { cluster } : undefined;
        const results = await refreshClusters(ctx, selection, { force: options.force });
        if (options.json) ctx.printJson(results);
        else if (!options.quiet) {
          if (results.length === 0) ctx.print("No active jobs.");
          // A failed pass is reported once, on stderr (below), not also here.
          for (const r of results.filter((r) => !r.error)) {
            const what = r.skipped === "fresh"
              ? "skipped (polled moments ago)"
              : r.skipped === "busy"
              ? "skipped (another molq is polling it)"
              : `${r.changed} changed`;
            ctx.print(`${r.cluster}: ${what}`);
          }
        }
        const failed = results.filter((r) => r.error);
        const messages = failed.map((r) => `Refresh of ${r.cluster} failed: ${r.error}`);
        for (const message of messages.slice(0, -1)) console.error(`molq: ${message}`);
        if (messages.length > 0) throw new MolqError(messages.at(-1)!);
      },
    );
}
