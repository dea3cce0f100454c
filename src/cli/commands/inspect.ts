/** `molq inspect`: one job's full record, its timeline, lineage and dependencies. */
import { Command } from "../command_line/mod.ts";
import type { JobRecord } from "../../core/job_record.ts";
import { formatMemory } from "../../core/memory.ts";
import { isSchedulerWord, unknownScheduler } from "../scheduler_word.ts";
import {
  addClusterOption,
  type ClusterFlags,
  jobScope,
  resolveScopedJob,
} from "../cluster_scope.ts";
import type { CliContext } from "../context.ts";
import { recordToJson, requestToJson, transitionToJson } from "../record_json.ts";
import { renderTable } from "../table.ts";
import { paint, printable, STATE_COLORS } from "../style.ts";
import { elapsed } from "../job_rows.ts";
import { usageOf } from "../../store/usage_rows.ts";
import { notificationOf } from "../../store/notification_claims.ts";
import { notificationToJson, usageToJson } from "../usage_json.ts";
import { summaryLine, usageRows } from "../usage_text.ts";
import { summarizeUsage } from "../../usage/usage_report.ts";
import type { JobState } from "../../core/job_state.ts";

export function inspectCommand(context: () => CliContext): Command {
  const command = new Command("inspect")
    .description("Show a job's full record and the timeline of its states")
    .argument("<job-id>", "job id or unique prefix")
    .argument("[scheduler]", "the job's scheduler, as in the Python molq (checked)");
  return addClusterOption(command, "the job must belong to this cluster")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq inspect 3f2a
  molq inspect 3f2a slurm --json`,
    )
    .action(
      async (id: string, word: string | undefined, options: ClusterFlags & { json?: boolean }) => {
        const ctx = context();
        if (word !== undefined && !isSchedulerWord(word)) {
          throw unknownScheduler(word);
        }
        const record = resolveScopedJob(ctx, id, await jobScope(ctx, word, options));
        const timeline = ctx.store.transitions(record.jobId);
        const lineage = ctx.store.prepare(
          "SELECT job_id, attempt, state FROM jobs WHERE lineage_id = ? ORDER BY attempt",
        ).all(record.lineageId) as { job_id: string; attempt: number; state: string }[];
        const tasks = ctx.store.prepare(
          `SELECT job_id, array_task_id, scheduler_job_id, state, exit_code, failure_reason FROM jobs
         WHERE array_job_id = ? ORDER BY CAST(array_task_id AS INTEGER)`,
        ).all(record.jobId) as {
          job_id: string;
          array_task_id: string;
          scheduler_job_id: string;
          state: string;
          exit_code: number | null;
          failure_reason: string | null;
        }[];
        const usage = usageOf(ctx.store, [record.jobId, ...tasks.map((t) => t.job_id)]);
        const notification = notificationOf(ctx.store, record.jobId);
        const taskSummary = tasks.length === 0 ? null : summarizeUsage(
          tasks.map((t) => ({
            state: t.state as JobState,
            failureReason: t.failure_reason,
            usage: usage.get(t.job_id)?.usage ?? null,
          })),
        );
        if (options.json) {
          return ctx.printJson({
            ...recordToJson(record),
            ...requestToJson(record),
            usage: usageToJson(usage.get(record.jobId)),
            notification: notificationToJson(notification),
            transitions: timeline.map(transitionToJson),
            lineage: lineage.map((l) => ({ job_id: l.job_id, attempt: l.attempt, state: l.state })),
            tasks: tasks.map(({ failure_reason: _, ...task }) => ({
              ...task,
              usage: usageToJson(usage.get(task.job_id)),
            })),
            ...(taskSummary ? { task_usage: taskSummary } : {}),
          });
        }
        const described = describe(record, ctx.color);
        const at = described.findIndex(([key]) => key === "failure") + 1;
        described.splice(at, 0, ...usageRows(record, usage.get(record.jobId), notification));
        if (taskSummary) described.splice(at, 0, ["task usage", summaryLine(taskSummary)]);
        const fields = described.map(([k, v], i) => [k, i === 1 ? v : printable(v)]);
        ctx.print(renderTable(["FIELD", "VALUE"], fields).split("\n").slice(1).join("\n"));
        ctx.print("\nTimeline:");
        ctx.print(
          renderTable(
            ["TIME", "FROM", "TO", "REASON"],
            timeline.map((
              t,
            ) => [new Date(t.at).toISOString(), t.fromState ?? "-", t.toState, t.reason ?? ""]),
          ).replace(/^/gm, "  "),
        );
        if (tasks.length > 0) {
          ctx.print("\nTasks:");
          ctx.print(
            renderTable(
              ["TASK", "ID", "SCHED ID", "STATE", "EXIT"],
              tasks.map((
                t,
              ) => [
                t.array_task_id,
                t.job_id.slice(0, 8),
                t.scheduler_job_id,
                t.state,
                t.exit_code === null ? "-" : String(t.exit_code),
              ]),
            ).replace(/^/gm, "  "),
          );
        }
        if (lineage.length > 1) {
          ctx.print("\nAttempts:");
          for (const l of lineage) ctx.print(`  #${l.attempt}  ${l.job_id}  ${l.state}`);
        }
      },
    );
}

function describe(r: JobRecord, color: boolean): [string, string][] {
  const time = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const res = r.request.resources;
  const sched = r.request.scheduling;
  const resources = [
    res.cpus && `cpus=${res.cpus}`,
    res.memoryBytes && `mem=${formatMemory(res.memoryBytes)}`,
    res.timeLimitSeconds && `time=${res.timeLimitSeconds}s`,
    res.gpus && `gpus=${res.gpus}${res.gpuType ? `:${res.gpuType}` : ""}`,
    res.nodes && `nodes=${res.nodes}`,
    res.exclusive && "exclusive",
    ...Object.entries(sched).map(([k, v]) => `${k}=${v}`),
  ].filter(Boolean).join(" ");
  const rows: [string, string][] = [
    ["job id", r.jobId],
    [
      "state",
      paint(r.state, STATE_COLORS[r.state], color) +
      (r.stateDetail ? ` (${printable(r.stateDetail)})` : ""),
    ],
    ["cluster", `${r.cluster} (${r.scheduler})`],
    ["scheduler id", r.schedulerJobId ?? "-"],
    ["host", r.host === null ? "-" : `${r.host}${r.bootId ? ` (boot id ${r.bootId})` : ""}`],
    ["name", r.name ?? "-"],
    ["command", r.commandDisplay],
    ["workdir", r.cwd],
    ["resources", resources || "-"],
    ["env keys", Object.keys(r.request.env).join(", ") || "-"],
    ["created", time(r.createdAt)],
    ["submitted", time(r.submittedAt)],
    ["started", time(r.startedAt)],
    ["finished", time(r.finishedAt)],
    ["elapsed", elapsed(r)],
    ["exit code", r.exitCode === null ? "-" : String(r.exitCode)],
    ["failure", r.failureReason ?? "-"],
    [
      "attempt",
      `${r.attempt}${r.previousAttemptId ? ` (after ${r.previousAttemptId.slice(0, 8)})` : ""}`,
    ],
    ["run", r.runLabel ?? "-"],
    [
      "array",
      r.arrayJobId ? `task ${r.arrayTaskId} of ${r.arrayJobId.slice(0, 8)}` : (sched.array ?? "-"),
    ],
    [
      "depends on",
      r.request.dependencies.map((d) => `${d.kind}:${d.jobId.slice(0, 8)}`).join(", ") || "-",
    ],
    ...Object.entries(r.metadata).map(([k, v]): [string, string] => [k, v]),
  ];
  return rows;
}
