/** `molq status`: refresh and show the state of some jobs. */
import { hostsWorthNaming } from "../../core/job_host.ts";
import { Command } from "../command_line/mod.ts";
import type { CliContext } from "../context.ts";
import { recordToJson } from "../record_json.ts";
import { renderJobTable } from "../job_rows.ts";
import { refreshBeforeShowing } from "../refresh_clusters.ts";
import { missingIds, splitSchedulerWord } from "../scheduler_word.ts";
import {
  addClusterOption,
  type ClusterFlags,
  jobScope,
  resolveScopedJob,
} from "../cluster_scope.ts";

export function statusCommand(context: () => CliContext): Command {
  const command = new Command("status")
    .description("Show the current state of jobs (refreshing their clusters first)")
    .argument("<job-id...>", "job ids or unique prefixes, optionally followed by the scheduler");
  return addClusterOption(command, "the jobs must belong to this cluster")
    .option("--no-refresh", "read the store only")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
A scheduler word after the ids (as in the Python molq) must match the jobs' scheduler.

Examples:
  molq status 3f2a
  molq status 3f2a slurm
  molq status 3f2a 9c1e --json`,
    )
    .action(
      async (words: string[], options: ClusterFlags & { refresh: boolean; json?: boolean }) => {
        const ctx = context();
        const { ids, scheduler } = splitSchedulerWord(words);
        const scope = await jobScope(ctx, scheduler, options);
        if (ids.length === 0) throw missingIds("status");
        let records = ids.map((id) => resolveScopedJob(ctx, id, scope));
        if (options.refresh) {
          await refreshBeforeShowing(ctx, records);
          records = records.map((r) => ctx.store.get(r.jobId)!);
        }
        if (options.json) {
          return ctx.printJson(
            ids.length === 1 ? recordToJson(records[0]!) : records.map(recordToJson),
          );
        }
        ctx.print(
          renderJobTable(
            records,
            ctx.color,
            Date.now(),
            hostsWorthNaming(ctx.store.localHosts(), Deno.hostname()),
          ),
        );
      },
    );
}
