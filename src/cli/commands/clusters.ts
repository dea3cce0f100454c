/** `molq clusters`: clusters in use, with active/total jobs and their last poll. */
import { Command } from "commander";
import type { CliContext } from "../context.ts";
import { clusterPollInfo } from "../../store/cluster_polls.ts";
import { renderTable } from "../table.ts";

export function clustersCommand(context: () => CliContext): Command {
  return new Command("clusters")
    .description("List clusters with their jobs, last poll and last error")
    .option("--json", "print JSON")
    .action((options: { json?: boolean }) => {
      const ctx = context();
      const counts = ctx.store.prepare(
        `SELECT cluster, scheduler, count(*) AS total,
           sum(state IN ('created','submitted','queued','running')) AS active
         FROM jobs GROUP BY cluster, scheduler ORDER BY cluster`,
      ).all() as { cluster: string; scheduler: string; total: number; active: number }[];
      const polls = new Map(clusterPollInfo(ctx.store).map((p) => [p.name, p]));
      const rows = counts.map((c) => {
        const poll = polls.get(c.cluster);
        return {
          name: c.cluster,
          scheduler: c.scheduler,
          active: Number(c.active),
          total: Number(c.total),
          last_poll: poll?.lastPollAt ? new Date(poll.lastPollAt).toISOString() : null,
          last_error: poll?.lastPollError ?? null,
          scheduler_calls_last_hour: poll?.callsLastHour ?? 0,
        };
      });
      if (options.json) return ctx.printJson(rows);
      if (rows.length === 0) return ctx.print("No clusters used yet.");
      ctx.print(renderTable(
        ["CLUSTER", "SCHEDULER", "ACTIVE", "TOTAL", "LAST POLL", "CALLS/H", "LAST ERROR"],
        rows.map((
          r,
        ) => [
          r.name,
          r.scheduler,
          String(r.active),
          String(r.total),
          r.last_poll ?? "-",
          String(r.scheduler_calls_last_hour),
          r.last_error ?? "",
        ]),
        { right: [2, 3, 5] },
      ));
    });
}
