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
import { cancelJobs, cancelledUnsignalled, type CancelOptions } from "../../api/cancel_job.ts";
import type { JobRecord } from "../../core/job_record.ts";
import type { CliContext } from "../context.ts";
import { recordToJson } from "../record_json.ts";

export function cancelCommand(context: () => CliContext): Command {
  const command = new Command("cancel")
    .description("Cancel jobs")
    .argument("<job-id...>", "job ids or unique prefixes, optionally followed by the scheduler");
  return addClusterOption(command, "the jobs must belong to this cluster")
    .option("--json", "print the cancelled records as JSON")
    .option(
      "--force",
      "record a local job of another host cancelled without a signal (its host is gone)",
    )
    .addHelpText(
      "after",
      `
Examples:
  molq cancel 3f2a 9c1e
  molq cancel 3f2a slurm
  molq cancel --force 3f2a   (its login node was retired: nothing is signalled)`,
    )
    .action(
      async (words: string[], options: ClusterFlags & { json?: boolean; force?: boolean }) => {
        const ctx = context();
        const { ids, scheduler } = splitSchedulerWord(words);
        const scope = await jobScope(ctx, scheduler, options);
        if (ids.length === 0) throw missingIds("cancel");
        // A retried job is cancelled in its latest attempt (which may still wait out its backoff).
        const records = [
          ...new Map(ids.map((id) => {
            const record = ctx.store.latestAttempt(resolveScopedJob(ctx, id, scope));
            return [record.jobId, record];
          })).values(),
        ];
        const outcomes = await cancelByCluster(ctx, records, { force: options.force });
        const done = [];
        const errors: string[] = [];
        for (const record of records) {
          const outcome = outcomes.get(record.jobId)!;
          if (outcome instanceof MolqError) {
            errors.push(outcome.message);
            continue;
          }
          done.push(outcome);
          if (!options.json) ctx.print(`${record.jobId}  cancelled`);
          if (options.force && cancelledUnsignalled(outcome)) {
            console.error(
              `molq: note: ${record.jobId.slice(0, 8)} was recorded cancelled without a signal; ` +
                `if ${outcome.host} is still up, the job goes on running there.`,
            );
          }
        }
        if (options.json) ctx.printJson(done.map(recordToJson));
        if (errors.length === 1) throw new MolqError(errors[0]!);
        if (errors.length > 1) {
          for (const message of errors.slice(0, -1)) console.error(`molq: ${message}`);
          throw new MolqError(errors.at(-1)!);
        }
      },
    );
}

/** Each cluster's jobs are cancelled together: one look and one cancel command per cluster. */
async function cancelByCluster(
  ctx: CliContext,
  records: readonly JobRecord[],
  options: CancelOptions,
): Promise<Map<string, JobRecord | MolqError>> {
  const groups = Map.groupBy(records, (r) => r.cluster);
  const outcomes = new Map<string, JobRecord | MolqError>();
  for (const group of groups.values()) {
    let results: (JobRecord | MolqError)[];
    try {
      const cluster = await ctx.cluster(group[0]!.cluster, group[0]!.scheduler);
      results = await cancelJobs(ctx.store, cluster, group, options);
    } catch (error) {
      if (!(error instanceof MolqError)) throw error;
      results = group.map(() => error);
    }
    group.forEach((record, i) => outcomes.set(record.jobId, results[i]!));
  }
  return outcomes;
}
