/** `molq monitor`: the full-screen dashboard over every persisted job (or one run). */
import { Command } from "../command_line/mod.ts";
import { UsageError } from "../../core/errors.ts";
import type { CliContext } from "../context.ts";
import { integerOption } from "../option_parsers.ts";
import { cliDashboardSource, signalExitCode } from "../dashboard_source.ts";
import { addClusterOption, type ClusterFlags, knownClusterFlag } from "../cluster_scope.ts";

export function monitorCommand(context: () => CliContext): Command {
  const command = new Command("monitor")
    .description("Full-screen dashboard of jobs, refreshed live (q quits; jobs keep running)")
    .option("--all", "include finished jobs")
    .option("-n, --limit <n>", "at most this many jobs", integerOption("--limit"), 500)
    .option("-r, --refresh <seconds>", "seconds between refreshes", parseRefresh, 2);
  return addClusterOption(command, "only this cluster")
    .option("--run <label>", "only the jobs of this run label (a focused RunDashboard)")
    .addHelpText(
      "after",
      `
Keys: q/Ctrl-C quit, ↑/↓/j/k move, PgUp/PgDn, Home/End, Enter details, Esc back,
      / filter, s state filter, l stdout/stderr, c cancel (asks), ? help.

Examples:
  molq monitor
  molq monitor --all --limit 500 --refresh 1.5
  molq monitor -n 100 -r 5
  molq monitor --run sweep-7`,
    )
    .action(async (
      options: ClusterFlags & {
        all?: boolean;
        limit: number;
        refresh: number;
        run?: string;
      },
    ) => {
      const ctx = context();
      const cluster = await knownClusterFlag(ctx, options);
      // Loaded on demand: the dashboard is the largest module and most commands never need it.
      const { MolqMonitor, RunDashboard } = await import("../../dashboard/run_dashboard.ts");
      const source = cliDashboardSource(ctx, cluster);
      const settings = {
        source,
        limit: options.limit,
        cluster,
        refreshSeconds: options.refresh,
        color: ctx.color,
        commandName: "molq monitor",
      };
      const exit = options.run !== undefined
        ? await new RunDashboard({ ...settings, runLabel: options.run }).run()
        : await new MolqMonitor({ ...settings, all: options.all }).run();
      if (exit.reason === "signal") ctx.exitCode = signalExitCode(exit.signal);
    });
}

function parseRefresh(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.2 || seconds > 3600) {
    throw new UsageError(
      `Invalid --refresh "${value}": expected seconds from 0.2 to 3600, e.g. 1.5.`,
    );
  }
  return seconds;
}
