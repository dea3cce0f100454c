/**
 * The SLURM backend: `sbatch --parsable` with a generated script; status of many jobs with
 * one `squeue` call, then one (chunked) `sacct` call for jobs that left the queue, then the
 * exit-code files the jobs wrote themselves; `scancel` for all ids at once.
 */
import type { JobRequest } from "../core/job_request.ts";
import { CommandError, MolqError } from "../core/errors.ts";
import type { RunOptions, RunResult } from "../process/run_command.ts";
import type { Runner } from "../process/runner.ts";
import { localRunner } from "../process/local_runner.ts";
import { JOB_SCRIPT, jobFile, writeCancelledMarker } from "./job_files.ts";
import { gatherJobFiles, JobFilesSnapshot } from "./job_files_snapshot.ts";
import { isEmptyUsage, mergeUsage } from "../core/job_usage.ts";
import { wrapperUsage } from "./wrapper_usage.ts";
import {
  accountingComplete,
  parseSacctUsage,
  SACCT_USAGE_FORMAT,
  type SlurmAccounting,
  slurmUsage,
} from "./slurm_usage.ts";
import { firstLine } from "./directive_text.ts";
import {
  assertSupported,
  type RequestField,
  type Scheduler,
  type StatusReport,
  type SubmitContext,
  type SubmitResult,
  type TrackedJob,
  type UsageReading,
  type UsageReport,
} from "./scheduler.ts";
import { renderSlurmScript, slurmDirectives } from "./slurm_script.ts";
import { needsExitCode } from "./slurm_states.ts";
import {
  parseSacctOutput,
  parseSbatchOutput,
  parseSqueueOutput,
  SACCT_FORMAT,
  sbatchErrorMessage,
  SQUEUE_FORMAT,
} from "./slurm_parse.ts";
import { ARRAY_LOGS_FILE, type ArrayLogPaths, observeJobs, RowIndex } from "./slurm_observe.ts";

export type SlurmCommand = "sbatch" | "squeue" | "sacct" | "scancel";

export interface SlurmOptions {
  /** Site wrapper paths for SLURM's commands; default: the names, found on PATH. */
  commands?: Partial<Record<SlurmCommand, string>>;
  /** Kill a SLURM command that takes longer; default 30 s. */
  commandTimeoutMs?: number;
  /** Job ids per `sacct` call; default 500. */
  sacctChunkSize?: number;
  /** How far back `sacct` looks for a job whose submission time is unknown; default 7 days. */
  accountingWindowDays?: number;
  runner?: Runner;
}

/** What a pass reads when the queue settles every job: no job directory at all. */
const NO_FILES = JobFilesSnapshot.empty({ hostname: "", bootId: null });

const SUPPORTED = new Set<RequestField>([
  "cpus",
  "mem",
  "time",
  "gpus",
  "gpu-type",
  "nodes",
  "exclusive",
  "partition",
  "account",
  "qos",
  "reservation",
  "array",
  "after",
  "after-ok",
  "after-fail",
  "after-start",
  "scheduler-arg",
]);
/**
 * Keeps one `-j` argument under Linux's limit for a single argument (MAX_ARG_STRLEN,
 * 131,072 bytes), with room to spare: 10,000 eight-digit ids still take one squeue call.
 */
export const MAX_ID_LIST_CHARS = 120_000;
/** Margin on sacct's window for clock differences between this host and the controller. */
const WINDOW_MARGIN_MS = 86_400_000;
/** Epoch seconds instead of zone-less local times. */
const TIME_ENV = { SLURM_TIME_FORMAT: "%s" };

export class SlurmScheduler implements Scheduler {
  readonly kind = "slurm" as const;
  readonly runner: Runner;
  readonly #commands: Record<SlurmCommand, string>;
  readonly #timeoutMs: number;
  readonly #sacctChunkSize: number;
  readonly #windowDays: number;

  constructor(options: SlurmOptions = {}) {
    this.#commands = {
      sbatch: "sbatch",
      squeue: "squeue",
      sacct: "sacct",
      scancel: "scancel",
      ...options.commands,
    };
    this.#timeoutMs = options.commandTimeoutMs ?? 30_000;
    this.#sacctChunkSize = Math.max(1, options.sacctChunkSize ?? 500);
    this.#windowDays = options.accountingWindowDays ?? 7;
    this.runner = options.runner ?? localRunner;
  }

  validate(request: JobRequest): void {
    assertSupported(this.kind, request, SUPPORTED);
    // Render the directives once with placeholder ids so bad values fail before a record exists.
    slurmDirectives({
      jobId: "validate",
      jobDir: "/",
      request,
      stdoutPath: request.stdoutPath ?? "/stdout.log",
      stderrPath: request.stderrPath ?? "/stderr.log",
      dependencies: request.dependencies.map((d) => ({ ...d, schedulerJobId: "1" })),
    });
  }

  async submit(context: SubmitContext): Promise<SubmitResult> {
    const scriptPath = jobFile(context.jobDir, JOB_SCRIPT);
    await this.runner.writeFile(scriptPath, renderSlurmScript(context), 0o700);
    const array = context.request.scheduling.array;
    if (array) {
      const paths: ArrayLogPaths = {
        stdoutPath: context.stdoutPath,
        stderrPath: context.stderrPath,
        array,
      };
      await this.runner.writeFile(
        jobFile(context.jobDir, ARRAY_LOGS_FILE),
        JSON.stringify(paths),
        0o600,
      );
    }
    const args = ["--parsable", ...context.request.extraArgs, scriptPath];
    // `--export=ALL`: a later start passes on the submitter's environment, not molq's.
    const env = context.environment && { env: context.environment, clearEnv: true };
    const result = await this.#run("sbatch", args, "submit the job", env);
    if (result.code !== 0) {
      throw new MolqError(sbatchErrorMessage(result.stderr, result.stdout, result.code));
    }
    return { schedulerJobId: parseSbatchOutput(result.stdout).jobId };
  }

  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const calls = { count: 0 };
    if (jobs.length === 0) return { observations: new Map(), newArrayTasks: [], commandCalls: 0 };
    const queue = await this.#squeue(jobs.map((job) => job.schedulerJobId), calls);
    // The job-written files matter only where the queue cannot tell: arrays, jobs it forgot,
    // and final rows without an exit code. One batched step reads all of them.
    const needFiles = jobs.filter((job) => {
      const row = queue.byId.get(job.schedulerJobId);
      return job.array || !row || needsExitCode(row);
    });
    const files = needFiles.length === 0
      ? NO_FILES
      : await gatherJobFiles(this.runner, needFiles.map((job) => job.jobDir), {
        timeoutMs: this.#timeoutMs,
      });
    const firstPass = observeJobs(jobs, queue, null, files);
    let accounting: RowIndex | null = null;
    if (firstPass.askAccounting.length > 0) {
      const askedIds = new Set(firstPass.askAccounting);
      const asked = jobs.filter((job) => askedIds.has(job.jobId));
      accounting = await this.#sacct(asked, calls);
    }
    const result = accounting === null ? firstPass : observeJobs(jobs, queue, accounting, files);
    return {
      observations: result.observations,
      newArrayTasks: result.newArrayTasks,
      commandCalls: calls.count,
    };
  }

  /**
   * What finished jobs used: one `sacct --units=M` (chunked) with their step rows; the
   * wrapper's CPU time where accounting has none (no accounting, or nothing gathered).
   * Accounting lags, so the reconciler asks again until two readings agree.
   */
  async usage(jobs: readonly TrackedJob[]): Promise<UsageReport> {
    const calls = { count: 0 };
    const accounting = await this.#sacctUsage(jobs, calls);
    const needFiles = jobs.filter((job) => {
      const row = accounting?.get(job.schedulerJobId);
      return !row || !row.gathered;
    });
    const files = needFiles.length === 0 ? null : await gatherJobFiles(
      this.runner,
      needFiles.map((job) => job.jobDir),
      { timeoutMs: this.#timeoutMs },
    );
    const readings = new Map<string, UsageReading>();
    for (const job of jobs) {
      const row = accounting?.get(job.schedulerJobId);
      const own = files ? wrapperUsage(files.evidence(job.jobDir, job.arrayTaskId)) : null;
      if (accounting === null) {
        // No accounting on this site: the wrapper's figures are all there will ever be.
        readings.set(job.jobId, { usage: own!, final: true, complete: true });
      } else if (row?.final) {
        const usage = slurmUsage(row, job.memoryRequestBytes ?? null);
        readings.set(job.jobId, {
          usage: own ? mergeUsage(usage, own) : usage,
          final: false,
          complete: accountingComplete(row),
        });
      } else if (!row && own && !isEmptyUsage(own)) {
        // Not in accounting yet (or ever): the wrapper's figures until it is.
        readings.set(job.jobId, { usage: own, final: false, complete: false });
      }
    }
    return { readings, commandCalls: calls.count };
  }

  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    const ids = [...new Set(jobs.map((job) => job.schedulerJobId))];
    for (const chunk of chunkIds(ids, Infinity)) {
      const result = await this.#run("scancel", chunk, "cancel jobs");
      if (result.code !== 0) {
        const why = firstLine(result.stderr) || `exit code ${result.code}`;
        throw new MolqError(`scancel refused to cancel ${describeIds(chunk)}: ${why}.`);
      }
    }
    // Evidence for sites without accounting: a job that vanishes without an exit code after
    // this was cancelled. Not for single array tasks: the marker is shared by all tasks.
    for (const job of jobs) {
      if (job.arrayTaskId === null) await writeCancelledMarker(this.runner, job.jobDir);
    }
  }

  /** One squeue call (more only past the argv limit) for every id, finished jobs included. */
  async #squeue(schedulerIds: string[], calls: { count: number }): Promise<RowIndex> {
    const index = new RowIndex();
    for (const chunk of chunkIds(queryIds(schedulerIds), Infinity)) {
      const args = ["-h", "-t", "all", "-r", "-o", SQUEUE_FORMAT, "-j", chunk.join(",")];
      calls.count++;
      const result = await this.#run("squeue", args, "query the queue", { env: TIME_ENV });
      // One unknown id (purged after MinJobAge) is an error to squeue; to molq it is "not queued".
      if (result.code === 1 && /Invalid job id specified/i.test(result.stderr)) continue;
      if (result.code !== 0) throw commandFailed("squeue", result);
      index.add(parseSqueueOutput(result.stdout));
    }
    return index;
  }

  /** sacct for jobs that left the queue, in chunks; accounting turned off means no rows. */
  async #sacct(jobs: TrackedJob[], calls: { count: number }): Promise<RowIndex> {
    const index = new RowIndex();
    const unknownSince = Date.now() - this.#windowDays * 86_400_000;
    const oldest = jobs.reduce(
      (min, job) => Math.min(min, job.submittedAt ?? unknownSince),
      Infinity,
    );
    const window = ["-S", slurmLocalTime(oldest - WINDOW_MARGIN_MS), "-E", "now"];
    const ids = queryIds(jobs.map((job) => job.schedulerJobId));
    for (const chunk of chunkIds(ids, this.#sacctChunkSize)) {
      const args = ["-X", "-P", "-n", `--format=${SACCT_FORMAT}`, ...window, "-j", chunk.join(",")];
      calls.count++;
      const result = await this.#run("sacct", args, "query accounting", { env: TIME_ENV });
      if (result.code !== 0 && /accounting storage is disabled/i.test(result.stderr)) break;
      if (result.code !== 0) throw commandFailed("sacct", result);
      index.add(parseSacctOutput(result.stdout));
    }
    return index;
  }

  /** sacct's usage rows of these jobs, by JobID; null when accounting is turned off. */
  async #sacctUsage(
    jobs: readonly TrackedJob[],
    calls: { count: number },
  ): Promise<Map<string, SlurmAccounting> | null> {
    const found = new Map<string, SlurmAccounting>();
    const unknownSince = Date.now() - this.#windowDays * 86_400_000;
    const oldest = jobs.reduce(
      (min, job) => Math.min(min, job.submittedAt ?? unknownSince),
      Infinity,
    );
    const window = ["-S", slurmLocalTime(oldest - WINDOW_MARGIN_MS), "-E", "now"];
    const ids = [...new Set(jobs.map((job) => job.schedulerJobId))];
    for (const chunk of chunkIds(ids, this.#sacctChunkSize)) {
      const args = ["-P", "-n", "--units=M", `--format=${SACCT_USAGE_FORMAT}`, ...window];
      calls.count++;
      const result = await this.#run("sacct", [...args, "-j", chunk.join(",")], "read usage");
      if (result.code !== 0 && /accounting storage is disabled/i.test(result.stderr)) return null;
      if (result.code !== 0) throw commandFailed("sacct", result);
      for (const [id, row] of parseSacctUsage(result.stdout)) found.set(id, row);
    }
    return found;
  }

  /** Runs a SLURM command; only failing to start or timing out throws here. */
  async #run(
    name: SlurmCommand,
    args: string[],
    purpose: string,
    environment?: Pick<RunOptions, "env" | "clearEnv">,
  ): Promise<RunResult> {
    const argv = [this.#commands[name], ...args];
    try {
      // A hanging site wrapper's children must die with it at the timeout; sbatch stays in
      // our process group, so an interrupted submission takes it along.
      return await this.runner.run(argv, {
        timeoutMs: this.#timeoutMs,
        allowFailure: true,
        ...environment,
        ownProcessGroup: name !== "sbatch",
      });
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const why = error.timedOut
        ? `${name} did not answer within ${this.#timeoutMs / 1000} s`
        : `${name} could not be run: ${
          error.message.split(": ").slice(1).join(": ").replace(/\.$/, "")
        }`;
      const unsure = name === "sbatch" && error.timedOut
        ? "; the job may have been submitted anyway"
        : "";
      throw new MolqError(`Cannot ${purpose} on SLURM: ${why}${unsure}.`);
    }
  }
}

/** Task ids (`8_2`) are dropped when their array (`8`) is asked about anyway. */
function queryIds(ids: string[]): string[] {
  const unique = new Set(ids);
  return [...unique].filter((id) => {
    const base = /^(\d+)_/.exec(id)?.[1];
    return base === undefined || !unique.has(base);
  });
}

/** Splits ids into lists of at most `size` ids whose comma-joined length stays under the limit. */
export function chunkIds(ids: readonly string[], size: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const id of ids) {
    if (
      current.length > 0 && (current.length >= size || chars + id.length + 1 > MAX_ID_LIST_CHARS)
    ) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(id);
    chars += id.length + 1;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** SLURM's input time form, in this host's local time: `2026-11-24T05:20:15`. */
export function slurmLocalTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

function describeIds(ids: string[]): string {
  const shown = ids.slice(0, 5).join(", ");
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
  return `SLURM ${ids.length === 1 ? "job" : "jobs"} ${shown}${more}`;
}

function commandFailed(name: string, result: RunResult): MolqError {
  const why = firstLine(result.stderr) || firstLine(result.stdout) || "no output";
  return new MolqError(
    `Cannot query SLURM: ${name} failed with exit code ${result.code}: ${why.replace(/\.$/, "")}.`,
  );
}
