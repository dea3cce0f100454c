/** `molq status`: refresh and show the state of some jobs. */
import { Command } from "commander";
import { resolveJob } from "../../store/resolve_job.ts";
import type { CliContext } from "../context.ts";
import { recordToJson } from "../record_json.ts";
import { renderJobTable } from "../job_rows.ts";
import { refreshClusters } from "../refresh_clusters.ts";

export function statusCommand(context: () => CliContext): Command {
  return new Command("status")
    .description("Show the current state of jobs (refreshing their clusters first)")
    .argument("<job-id...>", "job ids or unique prefixes")
    .option("--no-refresh", "read the store only")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq status 3f2a
  molq status 3f2a 9c1e --json`,
    )
    .action(async (ids: string[], options: { refresh: boolean; json?: boolean }) => {
      const ctx = context();
      let records = ids.map((id) => resolveJob(ctx.store, id));
      if (options.refresh) {
        await refreshClusters(ctx, records);
        records = records.map((r) => ctx.store.get(r.jobId)!);
      }
      if (options.json) {
        return ctx.printJson(
          ids.length === 1 ? recordToJson(records[0]!) : records.map(recordToJson),
        );
      }
      ctx.print(renderJobTable(records, ctx.color, Date.now(), ctx.store.localHosts().length > 1));
    });
}
