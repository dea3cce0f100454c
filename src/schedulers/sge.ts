/**
 * The Grid Engine backend (Son of Grid Engine, Open Grid Scheduler, Univa/Altair):
 * `qsub -terse` with a generated `#$` script; per pass ONE `qstat -xml -u USER` for every
 * job of the user, `qstat -j` only for jobs in an error state, the job-written files for
 * jobs qstat no longer lists, then one `qacct` for those the files cannot settle; `qdel`.
 * Dependencies are held by molq (reconcile/local_dependencies.ts), not by `-hold_jid`.
 */
import type { JobRequest } from "../core/job_request.ts";
import { CommandError, MolqError } from "../core/errors.ts";
import type { RunResult } from "../process/run_command.ts";
import type { Runner } from "../process/runner.ts";
import { localRunner } from "../process/local_runner.ts";
import { JOB_SCRIPT, jobFile, removeCancelledMarker, withCancelMarkers } from "./job_files.ts";
import { gatherJobFiles, type JobFilesSnapshot } from "./job_files_snapshot.ts";
import { firstLine } from "./directive_text.ts";
import { parseQstatJobErrors, parseQstatXml, parseQsubOutput } from "./sge_parse.ts";
import { parseQacctOutput, qacctBeginTime, type QacctRecord } from "./sge_qacct.ts";
import { sgeUsage } from "./sge_usage.ts";
import { wrapperUsage } from "./wrapper_usage.ts";
import { isEmptyUsage, mergeUsage } from "../core/job_usage.ts";
import { DEFAULT_PARALLEL_ENVIRONMENT, renderSgeScript, validateSgeRequest } from "./sge_script.ts";
import {
  AccountingIndex,
  needsJobFiles,
  observeSgeJobs,
  QueueIndex,
  SGE_ARRAY_FILE,
  type SgeArrayLogs,
  splitSgeId,
} from "./sge_observe.ts";
import type {
  Scheduler,
  StatusReport,
  SubmitContext,
  SubmitResult,
  TrackedJob,
  UsageReading,
  UsageReport,
} from "./scheduler.ts";

export type SgeCommand = "qsub" | "qstat" | "qacct" | "qdel";

export interface SgeOptions {
  /** Site wrapper paths for Grid Engine's commands; default: the names, found on PATH. */
  commands?: Partial<Record<SgeCommand, string>>;
  /** Kill a Grid Engine command that takes longer; default 30 s. */
  commandTimeoutMs?: number;
  /** The parallel environment `--cpus` asks for (`qconf -spl` lists them); default `smp`. */
  parallelEnvironment?: string;
  /** How far back accounting is read for a job whose submission time is unknown; default 7 days. */
  accountingWindowDays?: number;
  runner?: Runner;
}

/** Margin on qacct's `-b` for clock and time zone differences with the cluster. */
const WINDOW_MARGIN_MS = 86_400_000;
/**
 * Jobs that never started and left qstat without a trace (deleted while pending, or failed
 * before their start, whose accounting records have no start time that `-b` could match)
 * are asked about one `qacct -j ID` each, up to this many per pass; past it, one `qacct`
 * for all of the user's records.
 */
const MAX_SINGLE_QACCT = 5;

export class SgeScheduler implements Scheduler {
  readonly kind = "sge" as const;
  /** The accounting a status query read in this pass, for the usage step right after. */
  #passAccounting: AccountingIndex | null = null;
  readonly runner: Runner;
  readonly #commands: Record<SgeCommand, string>;
  readonly #timeoutMs: number;
  readonly #parallelEnvironment: string;
  readonly #windowDays: number;
  #user: string | null = null;

  constructor(options: SgeOptions = {}) {
    this.#commands = {
      qsub: "qsub",
      qstat: "qstat",
      qacct: "qacct",
      qdel: "qdel",
      ...options.commands,
    };
    this.#timeoutMs = options.commandTimeoutMs ?? 30_000;
    this.#parallelEnvironment = options.parallelEnvironment ?? DEFAULT_PARALLEL_ENVIRONMENT;
    this.#windowDays = options.accountingWindowDays ?? 7;
    this.runner = options.runner ?? localRunner;
  }

  validate(request: JobRequest): void {
    validateSgeRequest(request);
  }

  async submit(context: SubmitContext): Promise<SubmitResult> {
    validateSgeRequest(context.request);
    const script = renderSgeScript(context, this.#parallelEnvironment);
    await this.runner.writeFile(jobFile(context.jobDir, JOB_SCRIPT), script, 0o700);
    if (context.request.scheduling.array) {
      const logs: SgeArrayLogs = { stdoutPath: context.stdoutPath, stderrPath: context.stderrPath };
      await this.runner.writeFile(
        jobFile(context.jobDir, SGE_ARRAY_FILE),
        JSON.stringify(logs),
        0o600,
      );
    }
    const args = ["-terse", ...context.request.extraArgs, jobFile(context.jobDir, JOB_SCRIPT)];
    const result = await this.#run("qsub", args, "submit the job", { cwd: context.jobDir });
    if (result.code !== 0) {
      const said = firstLine(result.stderr) || firstLine(result.stdout) ||
        `exit code ${result.code}`;
      throw new MolqError(
        `Grid Engine rejected the job: ${
          said.replace(/^Unable to run job: /, "").replace(/\.$/, "")
        }.`,
      );
    }
    return { schedulerJobId: parseQsubOutput(result.stdout).jobNumber };
  }

  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const calls = { count: 0 };
    if (jobs.length === 0) return { observations: new Map(), newArrayTasks: [], commandCalls: 0 };
    const queue = await this.#qstat(calls);
    const errors = await this.#errorReasons(queue, jobs, calls);
    const files = await gatherJobFiles(
      this.runner,
      jobs.filter((job) => needsJobFiles(job, queue)).map((job) => job.jobDir),
      { timeoutMs: this.#timeoutMs },
    );
    const input = { queue, files, errors, accounting: null };
    let result = observeSgeJobs(jobs, input);
    if (result.askAccounting.length > 0) {
      const accounting = await this.#qacct(result.askAccounting, files, calls);
      this.#passAccounting = accounting;
      result = observeSgeJobs(jobs, { ...input, accounting });
    }
    return {
      observations: result.observations,
      newArrayTasks: result.newArrayTasks,
      commandCalls: calls.count,
    };
  }

  /**
   * What finished jobs used, from the same batched accounting query as a pass (qacct writes
   * a job's record once, when it ends: final as soon as it is there), with the wrapper's
   * own CPU time where accounting has no record yet.
   */
  async usage(jobs: readonly TrackedJob[]): Promise<UsageReport> {
    const calls = { count: 0 };
    const readings = new Map<string, UsageReading>();
    if (jobs.length === 0) return { readings, commandCalls: 0 };
    const files = await gatherJobFiles(this.runner, jobs.map((job) => job.jobDir), {
      timeoutMs: this.#timeoutMs,
    });
    // The pass that just recorded these ends may have asked accounting already.
    const cached = this.#passAccounting;
    this.#passAccounting = null;
    const covered = (index: AccountingIndex) =>
      jobs.every((job) => {
        const { jobNumber, taskId } = splitSgeId(job.schedulerJobId);
        return index.get(jobNumber, job.arrayTaskId ?? taskId) !== undefined;
      });
    const accounting = cached && covered(cached) ? cached : await this.#qacct(jobs, files, calls);
    for (const job of jobs) {
      const { jobNumber, taskId } = splitSgeId(job.schedulerJobId);
      const record = accounting.get(jobNumber, job.arrayTaskId ?? taskId);
      const own = wrapperUsage(files.evidence(job.jobDir, job.arrayTaskId));
      if (record) {
        const request = {
          memoryRequestBytes: job.memoryRequestBytes ?? null,
          timeLimitSeconds: job.timeLimitSeconds,
        };
        const usage = mergeUsage(sgeUsage(record, request), own);
        readings.set(job.jobId, { usage, final: true, complete: true });
      } else if (!isEmptyUsage(own)) {
        readings.set(job.jobId, { usage: own, final: false, complete: false });
      }
    }
    return { readings, commandCalls: calls.count };
  }

  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // The marker first, so that an exit code written as the job dies reads as a cancel.
    // Array tasks share their array's directory, so only whole jobs get it.
    const marked = jobs.filter((job) => job.arrayTaskId === null);
    // A task whose whole array is deleted anyway is not named again.
    const all = new Set(jobs.map((job) => job.schedulerJobId));
    const ids = [...all].filter((id) => !all.has(splitSgeId(id).jobNumber) || !id.includes("."));
    let result: RunResult;
    try {
      result = await this.#run("qdel", ids, "cancel jobs", {
        markers: marked.map((job) => job.jobDir),
      });
    } catch (error) {
      for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
      throw error;
    }
    const gone = new Set<string>();
    const refused: string[] = [];
    for (const line of `${result.stdout}\n${result.stderr}`.split("\n").map((l) => l.trim())) {
      const missing = /^denied: job "([^"]+)" does not exist/.exec(line);
      if (missing) gone.add(missing[1]!);
      else if (line !== "" && !/has (registered|deleted)|already in deletion/.test(line)) {
        refused.push(line);
      }
    }
    // A job that had already finished was not cancelled by us: its own end stands.
    for (const job of marked) {
      if (gone.has(job.schedulerJobId)) await removeCancelledMarker(this.runner, job.jobDir);
    }
    if (refused.length > 0 || (result.code !== 0 && gone.size === 0)) {
      for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
      const why = refused[0] ?? `qdel exited with code ${result.code}`;
      throw new MolqError(`Grid Engine refused to cancel: ${why.replace(/\.$/, "")}.`);
    }
  }

  /** The one status query of a pass: every job of the user, pending and running. */
  async #qstat(calls: { count: number }): Promise<QueueIndex> {
    const user = await this.#userName();
    calls.count++;
    const result = await this.#run("qstat", ["-xml", "-u", user], "query the queue");
    if (result.code !== 0) throw commandFailed("qstat", result);
    return new QueueIndex(parseQstatXml(result.stdout));
  }

  /** `qstat -j` for the tracked jobs in an error state (Eqw): why they cannot run. */
  async #errorReasons(
    queue: QueueIndex,
    jobs: readonly TrackedJob[],
    calls: { count: number },
  ): Promise<Map<string, Map<string, string>>> {
    const tracked = new Set(jobs.map((job) => splitSgeId(job.schedulerJobId).jobNumber));
    const inError = [
      ...new Set(
        [...queue.byKey.values()]
          .filter((entry) => entry.state.includes("E") && tracked.has(entry.jobNumber))
          .map((entry) => entry.jobNumber),
      ),
    ];
    if (inError.length === 0) return new Map();
    calls.count++;
    // Exit 1 with "Following jobs do not exist" when one was deleted meanwhile: still read.
    const result = await this.#run("qstat", ["-j", inError.join(",")], "ask why jobs are in error");
    return parseQstatJobErrors(result.stdout);
  }

  /**
   * Accounting for jobs the queue and their files cannot settle: one `qacct -o USER -j -b T`
   * for all (records of jobs started since the oldest one's submission), then for those that
   * never started (their records carry no start time for `-b`) `qacct -j ID` each, or one
   * `qacct -o USER -j` when there are many.
   */
  async #qacct(
    jobs: readonly TrackedJob[],
    files: JobFilesSnapshot,
    calls: { count: number },
  ): Promise<AccountingIndex> {
    const index = new AccountingIndex();
    const unknownSince = Date.now() - this.#windowDays * 86_400_000;
    const oldest = jobs.reduce(
      (min, job) => Math.min(min, job.submittedAt ?? unknownSince),
      Infinity,
    );
    const user = await this.#userName();
    const begin = qacctBeginTime(oldest - WINDOW_MARGIN_MS);
    index.add(await this.#qacctCall(["-o", user, "-j", "-b", begin], calls));
    const unstarted = jobs.filter((job) => {
      const { jobNumber, taskId } = splitSgeId(job.schedulerJobId);
      return index.get(jobNumber, job.arrayTaskId ?? taskId) === undefined &&
        files.evidence(job.jobDir, job.arrayTaskId).startedAt === undefined;
    });
    const numbers = [...new Set(unstarted.map((job) => splitSgeId(job.schedulerJobId).jobNumber))];
    if (numbers.length > MAX_SINGLE_QACCT) {
      // Many of them: one call for all of the user's records is cheaper than one call each.
      index.add(await this.#qacctCall(["-o", user, "-j"], calls));
    } else {
      for (const number of numbers) index.add(await this.#qacctCall(["-j", number], calls));
    }
    return index;
  }

  async #qacctCall(args: string[], calls: { count: number }): Promise<QacctRecord[]> {
    calls.count++;
    const result = await this.#run("qacct", args, "read accounting");
    if (result.code === 0) return parseQacctOutput(result.stdout);
    // No record of that id yet, or no accounting file yet (no job ever ended): no records.
    const said = `${result.stdout}\n${result.stderr}`;
    if (/job id \d+ not found|No such file or directory|no jobs running since startup/.test(said)) {
      return [];
    }
    throw commandFailed("qacct", result);
  }

  /** The user whose jobs qstat lists: the runner's, asked once. */
  async #userName(): Promise<string> {
    if (this.#user !== null) return this.#user;
    const result = await this.runner.run(["id", "-un"], {
      timeoutMs: this.#timeoutMs,
      allowFailure: true,
    });
    const user = result.stdout.trim();
    if (result.code !== 0 || !/^[^\s,]+$/.test(user)) {
      throw new MolqError(
        `Cannot tell which user's jobs to ask Grid Engine about: "id -un" failed on ${this.runner.where}.`,
      );
    }
    this.#user = user;
    return user;
  }

  /** Runs a Grid Engine command; only failing to start or timing out throws here. */
  async #run(
    name: SgeCommand,
    args: string[],
    purpose: string,
    options: { cwd?: string; markers?: readonly string[] } = {},
  ): Promise<RunResult> {
    const command = [this.#commands[name], ...args];
    const marked = withCancelMarkers(command, options.markers);
    try {
      // A hanging site wrapper's children must die with it at the timeout; qsub stays in
      // our process group, so that an interrupted submission takes it along.
      return await this.runner.run(marked.argv, {
        env: marked.env,
        timeoutMs: this.#timeoutMs,
        allowFailure: true,
        ownProcessGroup: name !== "qsub",
        cwd: options.cwd,
      });
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const why = error.timedOut
        ? `${name} did not answer within ${this.#timeoutMs / 1000} s`
        : `${name} could not be run: ${
          error.message.split(": ").slice(1).join(": ").replace(/\.$/, "")
        }`;
      const unsure = name === "qsub" && error.timedOut
        ? "; the job may have been submitted anyway"
        : "";
      throw new MolqError(`Cannot ${purpose} on Grid Engine: ${why}${unsure}.`);
    }
  }
}

function commandFailed(name: string, result: RunResult): MolqError {
  const why = firstLine(result.stderr) || firstLine(result.stdout) || "no output";
  return new MolqError(
    `Cannot query Grid Engine: ${name} failed with exit code ${result.code}: ${
      why.replace(/^error: /, "").replace(/\.$/, "")
    }.`,
  );
}
