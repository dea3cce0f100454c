/** `molq watch`: wait for jobs, showing progress; exit 0 only if all succeeded. */
import { Command } from "commander";
import { MolqError } from "../../core/errors.ts";
import type { JobRecord } from "../../core/job_record.ts";
import { parseDurationSeconds } from "../../core/duration.ts";
import { JobMonitor } from "../../monitor/job_monitor.ts";
import { FixedStrategy } from "../../monitor/polling_strategy.ts";
import { resolveJob } from "../../api/resolve_job.ts";
import type { CliContext } from "../context.ts";
import { refreshClusters } from "../refresh_clusters.ts";
import { recordToJson } from "../record_json.ts";

export function watchCommand(context: () => CliContext): Command {
  return new Command("watch")
    .description("Wait for jobs to finish; exit 0 only if all succeeded")
    .argument("<job-id...>", "job ids or unique prefixes")
    .option("--timeout <duration>", "stop waiting after this long (the jobs keep running)")
    .option("--json", "print the final records as JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq watch 3f2a 9c1e
  molq watch 3f2a --timeout 2h`,
    )
    .action(async (ids: string[], options: { timeout?: string; json?: boolean }) => {
      const ctx = context();
      const jobIds = ids.map((id) => resolveJob(ctx.store, id).jobId);
      const timeoutMs = options.timeout ? parseDurationSeconds(options.timeout) * 1000 : undefined;
      await waitAndReport(ctx, jobIds, { json: !!options.json, timeoutMs });
    });
}

/** Waits for the jobs, prints their outcome, and throws if any did not succeed. */
export async function waitAndReport(
  ctx: CliContext,
  jobIds: string[],
  options: { json: boolean; timeoutMs?: number },
): Promise<void> {
  const monitor = new JobMonitor(
    ctx.store,
    (records) => refreshClusters(ctx, records).then(() => {}),
  );
  let last = "";
  const records = await monitor.waitMany(jobIds, {
    timeoutMs: options.timeoutMs,
    strategy: new FixedStrategy(1_000),
    onProgress: (records) => {
      const line = summarize(records);
      if (line !== last && !options.json) console.error(line);
      last = line;
    },
  });
  if (options.json) ctx.printJson(records.map(recordToJson));
  const bad = records.filter((r) => r.state !== "succeeded");
  if (bad.length > 0) {
    const first = bad[0]!;
    throw new MolqError(
      `${bad.length} of ${records.length} jobs did not succeed: ${
        first.jobId.slice(0, 8)
      } ${first.state}${first.failureReason ? ` (${first.failureReason})` : ""}.`,
    );
  }
}

function summarize(records: JobRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(", ");
}
