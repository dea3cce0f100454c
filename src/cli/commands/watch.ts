/** `molq watch`: wait for jobs, showing progress; exit 0 only if all succeeded. */
import { Command } from "../command_line/mod.ts";
import { MolqError } from "../../core/errors.ts";
import type { JobRecord } from "../../core/job_record.ts";
import { isTerminal } from "../../core/job_state.ts";
import { neverStarts } from "../../core/never_starts.ts";
import { parseDurationSeconds } from "../../core/duration.ts";
import { JobMonitor } from "../../monitor/job_monitor.ts";
import { FixedStrategy, type PollingStrategy } from "../../monitor/polling_strategy.ts";
import { parsePollingStrategy, POLL_FORMS } from "../../monitor/parse_polling_strategy.ts";
import { UsageError } from "../../core/errors.ts";
import { ACTIVE_STATES } from "../../core/job_state.ts";
import { splitSchedulerWord } from "../scheduler_word.ts";
import {
  addClusterOption,
  type ClusterFlags,
  jobScope,
  listedCluster,
  resolveScopedJob,
} from "../cluster_scope.ts";
import type { CliContext } from "../context.ts";
import { refreshClusters } from "../refresh_clusters.ts";
import { recordToJson } from "../record_json.ts";
import { colorEnabled } from "../style.ts";
import { cliDashboardSource, signalExitCode } from "../dashboard_source.ts";
import { renderChanges, renderProgressLine, summarizeStates } from "../watch_progress.ts";
import { every } from "../../core/timers.ts";

/** Ctrl-C during a wait: nothing is cancelled. Exit 130, as for any shell command. */
export class WatchInterrupted extends MolqError {
  override readonly exitCode = 130;
  constructor(open: number, total: number) {
    super(
      `Stopped watching; ${open} of ${total} jobs keep running (nothing was cancelled).`,
    );
    this.name = "WatchInterrupted";
  }
}

const DEFAULT_STRATEGY = new FixedStrategy(1_000);
const TICK_MS = 1_000;

export function watchCommand(context: () => CliContext): Command {
  const command = new Command("watch")
    .description("Wait for jobs to finish, showing progress; exit 0 only if all succeeded")
    .argument("[job-id...]", "job ids or unique prefixes, optionally followed by the scheduler")
    .option("--all", "wait for every active job (of one cluster with --cluster)");
  return addClusterOption(command, "with --all: only this cluster's jobs; else the jobs' cluster")
    .option("--timeout <duration>", "stop waiting after this long (the jobs keep running)")
    .option("--poll <strategy>", `how often to look: ${POLL_FORMS} (default fixed:1s)`)
    .option("--json", "print the final records as JSON (no progress)")
    .option("--ui", "follow the jobs in the full-screen dashboard instead")
    .addHelpText(
      "after",
      `
Polling never exceeds the cluster's budget: however many molq processes watch, the
scheduler is asked at most once per cluster per minimum interval (MOLQ_MIN_POLL_INTERVAL).
The waits follow retries to each job's latest attempt.

Exit codes: 0 all succeeded; 1 any ended otherwise; 2 usage error; 3 timed out;
130 interrupted by Ctrl-C. Stopping (timeout or Ctrl-C) never cancels the jobs.

Examples:
  molq watch 3f2a 9c1e
  molq watch 3f2a slurm
  molq watch --all --cluster hpc
  molq watch 3f2a --timeout 2h --poll adaptive:1h
  molq watch 3f2a --poll backoff:1s,2,60s --json
  molq watch 3f2a 9c1e --ui`,
    )
    .action(async (
      words: string[],
      options: ClusterFlags & {
        all?: boolean;
        timeout?: string;
        poll?: string;
        json?: boolean;
        ui?: boolean;
      },
    ) => {
      const ctx = context();
      const timeoutMs = options.timeout
        ? parseDurationSeconds(options.timeout, "--timeout") * 1000
        : undefined;
      const strategy = options.poll ? parsePollingStrategy(options.poll) : undefined;
      const { ids, scheduler } = splitSchedulerWord(words);
      let jobIds: string[];
      if (options.all) {
        if (ids.length > 0) {
          throw new UsageError("Give job ids or --all, not both.");
        }
        const cluster = await listedCluster(ctx, scheduler, options);
        jobIds = ctx.store.list({ cluster, states: ACTIVE_STATES, topLevelOnly: true })
          .map((r) => r.jobId);
        if (jobIds.length === 0) {
          if (options.json) return ctx.printJson([]);
          return ctx.print(cluster ? `No active jobs on ${cluster}.` : "No active jobs.");
        }
      } else {
        if (ids.length === 0) {
          throw new UsageError(
            "missing required argument 'job-id': name the jobs to watch, or pass --all.",
          );
        }
        const scope = await jobScope(ctx, scheduler, options);
        jobIds = ids.map((id) => resolveScopedJob(ctx, id, scope).jobId);
      }
      if (options.ui) return await watchInDashboard(ctx, jobIds);
      await waitAndReport(ctx, jobIds, { json: !!options.json, timeoutMs, strategy });
    });
}

/** Waits for the jobs, prints their outcome, and throws if any did not succeed. */
export async function waitAndReport(
  ctx: CliContext,
  jobIds: string[],
  options: { json: boolean; timeoutMs?: number; strategy?: PollingStrategy },
): Promise<void> {
  const monitor = new JobMonitor(
    ctx.store,
    (records) => refreshClusters(ctx, records).then(() => {}),
  );
  const display = options.json ? null : await openDisplay(ctx, jobIds);
  const interrupt = new AbortController();
  const onInterrupt = () => {
    const records = monitor.latest(jobIds);
    const open = records.filter((r) => !isTerminal(r.state)).length;
    interrupt.abort(new WatchInterrupted(open, records.length));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  let records: JobRecord[];
  try {
    records = await monitor.waitMany(jobIds, {
      timeoutMs: options.timeoutMs,
      strategy: options.strategy ?? DEFAULT_STRATEGY,
      signal: interrupt.signal,
      settled: neverStarts,
      onProgress: (records) => display?.update(records),
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    display?.close();
  }
  if (options.json) ctx.printJson(records.map(recordToJson));
  const bad = records.filter((r) => r.state !== "succeeded");
  if (bad.length > 0) {
    const first = bad[0]!;
    const why = first.failureReason ?? (neverStarts(first) ? first.stateDetail : null);
    const stuck = bad.filter(neverStarts).map((r) => r.jobId.slice(0, 8));
    throw new MolqError(
      `${bad.length} of ${records.length} jobs did not succeed: ${
        first.jobId.slice(0, 8)
      } ${first.state}${why ? ` (${why})` : ""}.`,
      stuck.length > 0
        ? `${stuck.join(" ")} can never start; \`molq cancel ${stuck.join(" ")}\` removes ${
          stuck.length === 1 ? "it" : "them"
        }.`
        : undefined,
    );
  }
}

interface Display {
  update(records: JobRecord[]): void;
  close(): void;
}

/** A live line rewritten in place on a terminal; plain lines, one per change, otherwise. */
async function openDisplay(ctx: CliContext, jobIds: string[]): Promise<Display> {
  const started = Date.now();
  const write = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));
  if (!Deno.stderr.isTerminal()) {
    let shown: JobRecord[] = [];
    return {
      update(records) {
        for (const line of renderChanges(jobIds, shown, records, Date.now() - started)) {
          write(`${line}\n`);
        }
        shown = records;
      },
      close() {
        if (shown.length > 0 && shown.every((r) => isTerminal(r.state))) {
          write(`done: ${summarizeStates(shown)}\n`);
        }
      },
    };
  }
  const color = colorEnabled(Deno.stderr, (await ctx.config()).color);
  let last: JobRecord[] = [];
  const line = () =>
    renderProgressLine(last, { elapsedMs: Date.now() - started, color, width: terminalWidth() });
  const draw = () => {
    if (last.length > 0) write(`\r\x1b[K${line()}`);
  };
  const ticker = every(TICK_MS, draw);
  return {
    update(records) {
      last = records;
      draw();
    },
    close() {
      ticker.cancel();
      if (last.length > 0) write(`\r\x1b[K${line()}\n`);
    },
  };
}

function terminalWidth(): number {
  try {
    const { columns } = Deno.consoleSize();
    if (columns >= 20) return columns; // a pseudo-terminal without a size says 0
  } catch {
    // not a terminal on stdout either
  }
  return 80;
}

/** `--ui`: the RunDashboard over these jobs; afterwards the exit code says how they ended. */
async function watchInDashboard(ctx: CliContext, jobIds: string[]): Promise<void> {
  const { RunDashboard } = await import("../../dashboard/run_dashboard.ts");
  const exit = await new RunDashboard({
    source: cliDashboardSource(ctx),
    jobIds,
    color: ctx.color,
  }).run();
  if (exit.reason === "signal") {
    ctx.exitCode = signalExitCode(exit.signal);
    return;
  }
  const records = jobIds.map((id) => ctx.store.latestAttempt(ctx.store.get(id)!));
  const open = records.filter((r) => !isTerminal(r.state)).length;
  if (open > 0) {
    throw new MolqError(
      `Stopped watching; ${open} of ${records.length} jobs keep running (nothing was cancelled).`,
    );
  }
  const bad = records.filter((r) => r.state !== "succeeded").length;
  if (bad > 0) throw new MolqError(`${bad} of ${records.length} jobs did not succeed.`);
}
