/** `molq history`: what ran, newest first, with attempt, scheduler id, times and exit code. */
import { Command } from "../command_line/mod.ts";
import { ACTIVE_STATES, JOB_STATES, TERMINAL_STATES } from "../../core/job_state.ts";
import type { JobRecord } from "../../core/job_record.ts";
import type { CliContext } from "../context.ts";
import { integerOption } from "../option_parsers.ts";
import { recordToJson } from "../record_json.ts";
import { renderTable } from "../table.ts";
import { paint, printable, STATE_COLORS } from "../style.ts";
import { addClusterOption, type ClusterFlags, listedCluster } from "../cluster_scope.ts";
import { pythonStoreNote } from "../python_store_hint.ts";

const FINISHED = JOB_STATES.filter((s) => TERMINAL_STATES.has(s));

export function historyCommand(context: () => CliContext): Command {
  const command = new Command("history")
    .description("List finished jobs with attempt, scheduler id, submitted, finished and exit code")
    .argument("[scheduler]", "only the cluster `molq submit SCHEDULER` uses (local, slurm, ...)")
    .option("--all", "include jobs that are still active");
  return addClusterOption(command, "only this cluster")
    .option("--limit <n>", "at most this many rows", integerOption("--limit"), 200)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Reads the store only (molq refresh or molq daemon keeps it current).

Examples:
  molq history
  molq history slurm --all
  molq history --cluster hpc --limit 20 --json`,
    )
    .action(async (
      scheduler: string | undefined,
      options: ClusterFlags & { all?: boolean; limit: number; json?: boolean },
    ) => {
      const ctx = context();
      const cluster = await listedCluster(ctx, scheduler, options);
      const records = ctx.store.list({
        cluster,
        states: options.all ? [...FINISHED, ...ACTIVE_STATES] : FINISHED,
        limit: options.limit,
      });
      if (options.json) return ctx.printJson(records.map(recordToJson));
      if (records.length === 0) {
        const note = pythonStoreNote(ctx.store);
        if (note) console.error(`hint: ${note}`);
        return ctx.print(
          options.all ? "No jobs." : "No finished jobs (molq history --all shows active ones too).",
        );
      }
      ctx.print(renderHistory(records, ctx.color));
    });
}

export function renderHistory(records: readonly JobRecord[], color: boolean): string {
  const time = (ms: number | null) =>
    ms === null ? "-" : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
  return renderTable(
    ["ID", "STATE", "CLUSTER", "ATTEMPT", "SCHED ID", "SUBMITTED", "FINISHED", "EXIT", "COMMAND"],
    records.map((r) => [
      r.jobId.slice(0, 8),
      paint(r.state, STATE_COLORS[r.state], color),
      r.cluster,
      String(r.attempt),
      r.schedulerJobId ?? "-",
      time(r.submittedAt),
      time(r.finishedAt),
      r.exitCode === null ? "-" : String(r.exitCode),
      printable(r.name ?? r.commandDisplay),
    ]),
    { right: [3, 7], maxWidth: { 8: 48 } },
  );
}
