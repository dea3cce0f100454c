/** `molq cancel`: cancel jobs (the whole process tree locally; scancel/qdel/bkill elsewhere). */
import { Command } from "../command_line/mod.ts";
import { MolqError } from "../../core/errors.ts";
import { missingIds, splitSchedulerWord } from "../scheduler_word.ts";
import {
  addClusterOption,
  type ClusterFlags,
  jobScope,
  resolveScopedJob,
} from "../cluster_scope.ts";
import { cancelJob } from "../../api/cancel_job.ts";
import type { CliContext } from "../context.ts";
import { recordToJson } from "../record_json.ts";

export function cancelCommand(context: () => CliContext): Command {
  const command = new Command("cancel")
    .description("Cancel jobs")
    .argument("<job-id...>", "job ids or unique prefixes, optionally followed by the scheduler");
  return addClusterOption(command, "the jobs must belong to this cluster")
    .option("--json", "print the cancelled records as JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq cancel 3f2a 9c1e
  molq cancel 3f2a slurm`,
    )
    .action(async (words: string[], options: ClusterFlags & { json?: boolean }) => {
      const ctx = context();
      const { ids, scheduler } = splitSchedulerWord(words);
      const scope = await jobScope(ctx, scheduler, options);
      if (ids.length === 0) throw missingIds("cancel");
      // A retried job is cancelled in its latest attempt (which may still wait out its backoff).
      const records = ids.map((id) => ctx.store.latestAttempt(resolveScopedJob(ctx, id, scope)));
      const done = [];
      const errors: string[] = [];
      for (const record of records) {
        try {
          const cluster = await ctx.cluster(record.cluster, record.scheduler);
          done.push(await cancelJob(ctx.store, cluster, record));
          if (!options.json) ctx.print(`${record.jobId}  cancelled`);
        } catch (error) {
          if (!(error instanceof MolqError)) throw error;
          errors.push(error.message);
        }
      }
      if (options.json) ctx.printJson(done.map(recordToJson));
      if (errors.length === 1) throw new MolqError(errors[0]!);
      if (errors.length > 1) {
        for (const message of errors.slice(0, -1)) console.error(`molq: ${message}`);
        throw new MolqError(errors.at(-1)!);
      }
    });
}
