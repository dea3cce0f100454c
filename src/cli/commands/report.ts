/**
 * `molq report`: what many jobs used — a run's jobs, an array's tasks, or jobs by id —
 * with counts by state, min / median / max of elapsed, CPU efficiency and memory peak, and
 * the request to make next time.
 */
import { LOCAL_SUPPORTED } from "../../schedulers/local_fields.ts";
import { Command } from "../command_line/mod.ts";
import type { JobRecord } from "../../core/job_record.ts";
import { UsageError } from "../../core/errors.ts";
import { usageOf } from "../../store/usage_rows.ts";
import { resolveJob } from "../../store/resolve_job.ts";
import { type Spread, summarizeUsage, type UsageSummary } from "../../usage/usage_report.ts";
import { formatSeconds, formatShare, formatSize } from "../../usage/usage_units.ts";
import { describeCounts } from "../../notify/notify_message.ts";
import type { CliContext } from "../context.ts";
import { renderTable } from "../table.ts";
import { refreshBeforeShowing } from "../refresh_clusters.ts";
import { usageToJson } from "../usage_json.ts";
import { nextFlags } from "../usage_text.ts";

export function reportCommand(context: () => CliContext): Command {
  return new Command("report")
    .description("Summarize what many jobs used: a run, an array's tasks, or jobs by id")
    .argument("[job-ids...]", "jobs (an array stands for its tasks)")
    .option("--run <label>", "the jobs of this run label")
    .option("--no-refresh", "read the store only (no scheduler query)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Retried jobs count once, as their last attempt. Figures come from each backend's
accounting (SLURM sacct, PBS resources_used, LSF bjobs) or molq's wrapper (local jobs:
memory is sampled every second); a job without a figure is left out of that figure.

Examples:
  molq report --run sweep
  molq report 3f2a            (an array: its tasks)
  molq report 3f2a 9bc1 --json`,
    )
    .action(async (ids: string[], options: { run?: string; json?: boolean; refresh: boolean }) => {
      const ctx = context();
      if ((options.run === undefined) === (ids.length === 0)) {
        throw new UsageError(
          "Name the jobs to report on: --run LABEL, or job ids (not both).",
          "molq report --run sweep, or molq report 3f2a.",
        );
      }
      const selected = options.run !== undefined
        ? lastAttempts(ctx.store.list({ runLabel: options.run, topLevelOnly: true }))
        : ids.map((id) => resolveJob(ctx.store, id));
      if (options.refresh) await refreshBeforeShowing(ctx, selected);
      const jobs = expandArrays(ctx, selected.map((r) => ctx.store.get(r.jobId) ?? r));
      const usage = usageOf(ctx.store, jobs.map((job) => job.jobId));
      const summary = summarizeUsage(jobs.map((job) => ({
        state: job.state,
        failureReason: job.failureReason,
        usage: usage.get(job.jobId)?.usage ?? null,
      })));
      // Local jobs take no --mem or --cpus: suggest only what their scheduler accepts.
      if (jobs.length > 0 && jobs.every((job) => job.scheduler === "local")) {
        if (!LOCAL_SUPPORTED.has("mem")) delete summary.next.mem;
        if (!LOCAL_SUPPORTED.has("cpus")) delete summary.next.cpus;
      }
      if (options.json) {
        return ctx.printJson({
          job_count: summary.jobs,
          counts: summary.counts,
          elapsed_seconds: summary.elapsedSeconds,
          cpu_efficiency: summary.cpuEfficiency,
          peak_memory_bytes: summary.peakMemoryBytes,
          next: summary.next,
          jobs: jobs.map((job) => ({
            job_id: job.jobId,
            name: job.name,
            state: job.state,
            array_task_id: job.arrayTaskId,
            usage: usageToJson(usage.get(job.jobId)),
          })),
        });
      }
      const what = options.run !== undefined ? `Run ${options.run}` : "Selected jobs";
      ctx.print(renderSummary(what, summary));
    });
}

/** The text report. */
export function renderSummary(what: string, summary: UsageSummary): string {
  const noun = summary.jobs === 1 ? "job" : "jobs";
  const lines = [`${what}: ${summary.jobs} ${noun} (${describeCounts(summary.counts) || "none"})`];
  const row = (label: string, s: Spread | null, show: (n: number) => string) =>
    s
      ? [label, show(s.min), show(s.median), show(s.max), `${s.known} of ${summary.jobs}`]
      : [label, "-", "-", "-", `0 of ${summary.jobs}`];
  lines.push(
    "",
    renderTable(["", "MIN", "MEDIAN", "MAX", "KNOWN"], [
      row("elapsed", summary.elapsedSeconds, formatSeconds),
      row("cpu efficiency", summary.cpuEfficiency, formatShare),
      row("memory peak", summary.peakMemoryBytes, formatSize),
    ], { right: [1, 2, 3] }),
  );
  const flags = nextFlags(summary);
  if (flags) {
    lines.push("", `Next run: ${flags}`);
    const next = summary.next;
    if (next.mem) lines.push(`  --mem ${next.mem.flag}: ${next.mem.why}`);
    if (next.time) lines.push(`  --time ${next.time.flag}: ${next.time.why}`);
    if (next.cpus) lines.push(`  --cpus ${next.cpus.value}: ${next.cpus.why}`);
  }
  return lines.join("\n");
}

/** A lineage counts once, as its newest attempt. */
function lastAttempts(records: readonly JobRecord[]): JobRecord[] {
  const newest = new Map<string, JobRecord>();
  for (const record of records) {
    const seen = newest.get(record.lineageId);
    if (!seen || record.attempt > seen.attempt) newest.set(record.lineageId, record);
  }
  return records.filter((record) => newest.get(record.lineageId) === record);
}

/** Arrays stand for their tasks (an array not split into tasks yet stands for itself). */
function expandArrays(ctx: CliContext, records: readonly JobRecord[]): JobRecord[] {
  return records.flatMap((record) => {
    if (record.arrayJobId !== null || !record.request.scheduling.array) return [record];
    const ids = ctx.store.prepare("SELECT job_id FROM jobs WHERE array_job_id = ?")
      .all(record.jobId).map((row) => row.job_id as string);
    const tasks = ids.length === 0 ? [] : ctx.store.list({ jobIds: ids });
    tasks.sort((a, b) => Number(a.arrayTaskId) - Number(b.arrayTaskId));
    return tasks.length > 0 ? tasks : [record];
  });
}
