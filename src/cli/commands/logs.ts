/** `molq logs`: print or follow a job's stdout/stderr. */
import { readRemoteLog, readRemoteNew, remoteLogSize } from "../remote_logs.ts";
import type { Runner } from "../../process/runner.ts";
import { Command } from "../command_line/mod.ts";
import { TransportError, UsageError } from "../../core/errors.ts";
import { type JobRecord, META_STDERR, META_STDOUT } from "../../core/job_record.ts";
import { isTerminal } from "../../core/job_state.ts";
import { isSchedulerWord } from "../scheduler_word.ts";
import {
  addClusterOption,
  type ClusterFlags,
  jobScope,
  resolveScopedJob,
} from "../cluster_scope.ts";
import type { CliContext } from "../context.ts";
import { choiceOption, integerOption } from "../option_parsers.ts";
import { type FollowState, readNew, tailLines } from "../log_tail.ts";
import { refreshClusters } from "../refresh_clusters.ts";
import { sleep } from "../../core/timers.ts";

type Stream = "stdout" | "stderr" | "both";
const FOLLOW_TICK_MS = 250;
const REFRESH_EVERY_MS = 2_000;
/** Remote logs are polled over the master connection, gently. */
const REMOTE_FOLLOW_TICK_MS = 1_000;
/** After the job ends, keep reading this long for output that shows up late (NFS). */
const DRAIN_MS = 1_500;

export function logsCommand(context: () => CliContext): Command {
  const command = new Command("logs")
    .description("Print a job's stdout/stderr")
    .argument("<job-id>", "job id or unique prefix")
    .argument("[scheduler]", "accepted for compatibility; must match the job's scheduler");
  return addClusterOption(command, "the job must belong to this cluster")
    .option(
      "--stream <which>",
      "stdout, stderr or both",
      choiceOption("--stream", ["stdout", "stderr", "both"] as const),
      "stdout",
    )
    .option("--tail <n>", "only the last N lines", integerOption("--tail"))
    .option("--follow", "keep printing new output until the job ends")
    .option("--task <n>", "an array job's task by its index (each task has its own logs)")
    .addHelpText(
      "after",
      `
Examples:
  molq logs 3f2a local --stream stdout
  molq logs 3f2a --stream stderr --tail 50
  molq logs 3f2a --follow
  molq logs 3f2a --task 4 --stream stderr`,
    )
    .action(async (
      id: string,
      scheduler: string | undefined,
      options: ClusterFlags & {
        stream: Stream;
        tail?: number;
        follow?: boolean;
        task?: string;
      },
    ) => {
      const ctx = context();
      const word = scheduler !== undefined && isSchedulerWord(scheduler) ? scheduler : undefined;
      const job = resolveScopedJob(ctx, id, await jobScope(ctx, word, options));
      if (
        scheduler !== undefined && scheduler !== job.scheduler && scheduler !== job.cluster
      ) {
        throw new UsageError(`Job "${id}" ran on ${job.scheduler}, not ${scheduler}.`);
      }
      const tasks = () =>
        ctx.store.prepare(
          "SELECT job_id, array_task_id FROM jobs WHERE array_job_id = ? ORDER BY CAST(array_task_id AS INTEGER)",
        ).all(job.jobId) as { job_id: string; array_task_id: string }[];
      let record = job;
      if (options.task !== undefined) {
        if (!job.request.scheduling.array || job.arrayJobId !== null) {
          throw new UsageError(`Invalid --task for job "${id}": it is not an array job.`);
        }
        // Tasks are recorded by a pass: one that was never seen yet may be seen now.
        if (!tasks().some((t) => t.array_task_id === options.task)) {
          await refreshClusters(ctx, [job]);
        }
        const task = tasks().find((t) => t.array_task_id === options.task);
        if (!task) {
          const known = tasks().map((t) => t.array_task_id);
          throw new UsageError(
            `Job "${id}" has no task ${options.task}${
              known.length > 0 ? ` (its tasks: ${compactList(known)})` : " (no task seen yet)"
            }.`,
          );
        }
        record = ctx.store.get(task.job_id)!;
      } else if (tasks().length > 0) {
        const list = tasks().slice(0, 8).map((t) => `${t.array_task_id}: ${t.job_id.slice(0, 8)}`);
        throw new UsageError(
          `Job "${id}" is an array; its tasks have their own logs (${list.join(", ")}${
            tasks().length > 8 ? ", …" : ""
          }).`,
          `molq logs ${id} --task ${tasks()[0]!.array_task_id}`,
        );
      }
      const streams = options.stream === "both" ? ["stdout", "stderr"] as const : [options.stream];
      const runner = (await ctx.cluster(record.cluster, record.scheduler)).scheduler.runner;
      if (runner.remote) return await remoteLogs(ctx, runner, record, streams, options);
      if (options.follow) return await follow(ctx, record, streams, options.tail);
      for (const stream of streams) {
        const path = logPath(record, stream);
        if (streams.length > 1) await write(Deno.stdout, `==> ${stream}: ${path} <==\n`);
        await write(Deno.stdout, readLog(path, options.tail, record));
      }
    });
}

/** `0, 1, 2, …, 99` for long lists of task indexes. */
function compactList(ids: string[]): string {
  return ids.length <= 6 ? ids.join(", ") : `${ids.slice(0, 3).join(", ")}, …, ${ids.at(-1)}`;
}

function logPath(record: JobRecord, stream: "stdout" | "stderr"): string {
  return record.metadata[stream === "stdout" ? META_STDOUT : META_STDERR]!;
}

function readLog(path: string, tail: number | undefined, record: JobRecord): Uint8Array {
  try {
    return tail === undefined ? Deno.readFileSync(path) : tailLines(path, tail);
  } catch {
    const why = isTerminal(record.state)
      ? "the job wrote none or it was removed"
      : "the job has not written any yet";
    console.error(`molq: no output at ${path} (${why}).`);
    return new Uint8Array();
  }
}

async function follow(
  ctx: CliContext,
  record: JobRecord,
  streams: readonly ("stdout" | "stderr")[],
  tail: number | undefined,
): Promise<void> {
  const states = streams.map((stream) => {
    const path = logPath(record, stream);
    const state: FollowState = { offset: 0, ino: null };
    if (tail !== undefined) {
      try {
        const size = Deno.statSync(path).size;
        const last = tailLines(path, tail);
        state.offset = size - last.length;
      } catch {
        // not there yet: follow from its start
      }
    }
    return {
      stream,
      path,
      state,
      out: stream === "stderr" && streams.length > 1 ? Deno.stderr : Deno.stdout,
    };
  });
  let lastRefresh = 0;
  let endedAt: number | null = null;
  for (;;) {
    for (const s of states) {
      const { bytes, reset } = readNew(s.path, s.state);
      if (reset) console.error(`molq: ${s.stream} was truncated; reading it from the start.`);
      if (bytes.length) await write(s.out, bytes);
    }
    if (endedAt !== null && Date.now() - endedAt >= DRAIN_MS) return;
    if (endedAt === null && Date.now() - lastRefresh >= REFRESH_EVERY_MS) {
      lastRefresh = Date.now();
      await refreshClusters(ctx, [record]);
      if (isTerminal(ctx.store.get(record.jobId)!.state)) endedAt = Date.now();
    }
    await sleep(FOLLOW_TICK_MS);
  }
}

/** The same for a job on a remote cluster, through its runner; `--follow` polls. */
async function remoteLogs(
  ctx: CliContext,
  runner: Runner,
  record: JobRecord,
  streams: readonly ("stdout" | "stderr")[],
  options: { tail?: number; follow?: boolean },
): Promise<void> {
  const offsets = new Map<string, number>();
  for (const stream of streams) {
    const path = logPath(record, stream);
    if (streams.length > 1 && !options.follow) {
      await write(Deno.stdout, `==> ${stream}: ${path} <==\n`);
    }
    if (options.follow && options.tail === undefined) continue; // the loop prints it all
    const text = await readRemoteLog(runner, path, options.tail);
    if (text === null && !options.follow) {
      const why = isTerminal(record.state)
        ? "the job wrote none or it was removed"
        : "the job has not written any yet";
      console.error(`molq: no output at ${path} on ${runner.where} (${why}).`);
    }
    if (text !== null) await write(Deno.stdout, text);
    offsets.set(stream, await remoteLogSize(runner, path));
  }
  if (!options.follow) return;
  let endedAt: number | null = null;
  // A link that drops is waited for, as `tail -F` waits for a file: the offsets stay, so
  // nothing is printed twice or lost.
  let linkLost = false;
  for (;;) {
    await sleep(REMOTE_FOLLOW_TICK_MS);
    try {
      for (const stream of streams) {
        const path = logPath(record, stream);
        const added = await readRemoteNew(runner, path, offsets.get(stream) ?? 0);
        if (added.reset) console.error(`molq: ${stream} was truncated; reading it from the start.`);
        offsets.set(stream, added.size);
        if (added.text) {
          await write(
            stream === "stderr" && streams.length > 1 ? Deno.stderr : Deno.stdout,
            added.text,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      if (!linkLost) {
        console.error(
          `molq: ${
            error.message.replace(/\.$/, "")
          }; following again once it answers (Ctrl-C stops).`,
        );
      }
      linkLost = true;
      continue;
    }
    if (linkLost) console.error(`molq: ${runner.where} answers again; following on.`);
    linkLost = false;
    await runner.close?.();
    if (endedAt !== null && Date.now() - endedAt >= DRAIN_MS) return;
    if (endedAt === null) {
      await refreshClusters(ctx, [record]);
      if (isTerminal(ctx.store.get(record.jobId)!.state)) endedAt = Date.now();
    }
  }
}

async function write(stream: { write(p: Uint8Array): Promise<number> }, data: string | Uint8Array) {
  let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  while (bytes.length > 0) bytes = bytes.subarray(await stream.write(bytes));
}
