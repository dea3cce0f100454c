/**
 * The PBS backend (PBS Pro / OpenPBS and Torque): `qsub` a generated script, one batched
 * `qstat` per pass for every active id, the job-written exit-code file for jobs PBS has
 * forgotten, and `qdel`. The flavour is read once from `qstat --version` unless given.
 */
import type { JobRequest } from "../core/job_request.ts";
import { MolqError } from "../core/errors.ts";
import type { RunResult } from "../process/run_command.ts";
import type { Runner } from "../process/runner.ts";
import { localRunner } from "../process/local_runner.ts";
import { gatherJobFiles, type JobFilesSnapshot } from "./job_files_snapshot.ts";
import {
  JOB_SCRIPT,
  type JobEvidence,
  jobFile,
  removeCancelledMarker,
  withCancelMarkers,
} from "./job_files.ts";
import { commandDetail, schedulerMessage } from "./directive_text.ts";
import {
  parsePbsFlavour,
  parseQstatErrors,
  parseQstatFull,
  parseQstatJson,
  parseQsubOutput,
  pbsArrayOf,
  type PbsFlavour,
  type PbsJobStatus,
  shortPbsId,
} from "./pbs_parse.ts";
import { PBS_SUPPORTED, renderPbsScript, validatePbsRequest } from "./pbs_script.ts";
import { observePbsStatus } from "./pbs_states.ts";
import { observeEvidence } from "./evidence_observation.ts";
import { withFinalUsage } from "./final_usage.ts";
import { pbsUsage } from "./pbs_usage.ts";
import { wrapperUsage } from "./wrapper_usage.ts";
import { mergeUsage } from "../core/job_usage.ts";
import {
  type ArrayTaskObservation,
  assertSupported,
  type Observation,
  type Scheduler,
  type StatusReport,
  type SubmitContext,
  type SubmitResult,
  type TrackedJob,
} from "./scheduler.ts";

export interface PbsOptions {
  flavour?: PbsFlavour;
  /** Paths of the PBS commands, when they are not on PATH under their usual names. */
  commands?: { qsub?: string; qstat?: string; qdel?: string };
  commandTimeoutMs?: number;
  runner?: Runner;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class PbsScheduler implements Scheduler {
  readonly kind = "pbs" as const;
  readonly runner: Runner;
  #flavour: PbsFlavour | undefined;
  #detecting: Promise<PbsFlavour> | undefined;
  readonly #commands: { qsub: string; qstat: string; qdel: string };
  readonly #timeoutMs: number;
  #calls = 0;

  constructor(options: PbsOptions = {}) {
    this.#flavour = options.flavour;
    this.#commands = { qsub: "qsub", qstat: "qstat", qdel: "qdel", ...options.commands };
    this.#timeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.runner = options.runner ?? localRunner;
  }

  /** PBS Pro or Torque: given, or read once from `qstat --version`. */
  flavour(): Promise<PbsFlavour> {
    if (this.#flavour) return Promise.resolve(this.#flavour);
    // Concurrent callers share one detection; a failed one is retried next time.
    this.#detecting ??= this.#detectFlavour().finally(() => (this.#detecting = undefined));
    return this.#detecting;
  }

  async #detectFlavour(): Promise<PbsFlavour> {
    const result = await this.#run("qstat", ["--version"], true);
    const flavour = parsePbsFlavour(`${result.stdout}\n${result.stderr}`);
    if (!flavour) {
      const output = (result.stdout || result.stderr).trim().slice(0, 80);
      throw new MolqError(
        `Cannot tell PBS Pro from Torque: "qstat --version" printed "${output}"; set the PBS flavour in the cluster options.`,
      );
    }
    this.#flavour = flavour;
    return flavour;
  }

  validate(request: JobRequest): void {
    // Until the flavour is known, check what no flavour supports; submit() checks the rest.
    if (this.#flavour) validatePbsRequest(request, this.#flavour);
    else assertSupported("pbs", request, new Set([...PBS_SUPPORTED.pro, ...PBS_SUPPORTED.torque]));
  }

  async submit(context: SubmitContext): Promise<SubmitResult> {
    const flavour = await this.flavour();
    validatePbsRequest(context.request, flavour);
    const scriptPath = jobFile(context.jobDir, JOB_SCRIPT);
    await this.runner.writeFile(scriptPath, renderPbsScript(context, flavour), 0o700);
    let result: RunResult;
    try {
      result = await this.#run(
        "qsub",
        [...context.request.extraArgs, scriptPath],
        false,
        context.jobDir,
      );
    } catch (error) {
      throw new MolqError(`PBS rejected the job: ${schedulerMessage(error)}`);
    }
    return { schedulerJobId: parseQsubOutput(result.stdout) };
  }

  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const callsBefore = this.#calls;
    const observations = new Map<string, Observation>();
    const newArrayTasks: ArrayTaskObservation[] = [];
    if (jobs.length === 0) return { observations, newArrayTasks, commandCalls: 0 };
    let flavour: PbsFlavour;
    let statuses: Map<string, PbsJobStatus>;
    try {
      flavour = await this.flavour();
      statuses = await this.#query(jobs, flavour);
    } catch (error) {
      throw new MolqError(`Cannot query PBS job status: ${commandDetail(error)}`);
    }
    const files = await gatherJobFiles(this.runner, jobs.map((job) => job.jobDir), {
      timeoutMs: this.#timeoutMs,
    });
    for (const job of jobs) {
      const short = shortPbsId(job.schedulerJobId);
      // Only whole jobs get the marker, so in a task's directory it means its array was cancelled.
      const cancelRequested = files.evidence(job.jobDir).cancelled;
      if (short.endsWith("[]") && job.arrayTaskId === null) {
        const tasks = [...statuses.values()].filter((s) => pbsArrayOf(s.id)?.parent === short);
        for (const task of tasks) {
          const evidence = files.evidence(job.jobDir, pbsArrayOf(task.id)!.index);
          newArrayTasks.push(arrayTask(job, task, flavour, cancelRequested, evidence));
        }
        const seen = new Set(tasks.map((task) => pbsArrayOf(task.id)!.index));
        const forgotten = evidencedTasks(
          files,
          job,
          seen,
          (i) => job.schedulerJobId.replace("[]", `[${i}]`),
        );
        newArrayTasks.push(...forgotten);
        if (tasks.length + forgotten.length > 0) continue;
      }
      const status = statuses.get(short);
      const evidence = files.evidence(job.jobDir, job.arrayTaskId);
      const isArray = short.endsWith("[]");
      const observation = status
        ? observePbsStatus(status, { flavour, cancelRequested, isArray })
        : observeEvidence("PBS", evidence);
      const usage = () =>
        status ? mergeUsage(pbsUsage(status), wrapperUsage(evidence)) : wrapperUsage(evidence);
      if (observation) {
        observations.set(job.jobId, isArray ? observation : withFinalUsage(observation, usage));
      }
    }
    return { observations, newArrayTasks, commandCalls: this.#calls - callsBefore };
  }

  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // Array tasks share their array's directory, so only whole jobs get the marker.
    const marked = jobs.filter((job) => job.arrayTaskId === null);
    const ids = jobs.map((job) => job.schedulerJobId);
    const result = await this.#run("qdel", ids, true, undefined, marked.map((job) => job.jobDir))
      .catch(async (error) => {
        for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
        throw new MolqError(`Cannot cancel PBS jobs: ${commandDetail(error)}`);
      });
    const gone = new Set<string>();
    const refused: string[] = [];
    for (const line of result.stderr.split("\n").map((l) => l.trim()).filter((l) => l)) {
      const match = /^qdel: (?:Unknown Job Id (\S+)|Job (\S+) has finished)/.exec(line) ??
        /invalid state for job - COMPLETE (\S+)/.exec(line);
      if (match) gone.add(shortPbsId(match[1] ?? match[2] ?? ""));
      else refused.push(line);
    }
    // A job that had already finished was not cancelled by us.
    for (const job of marked) {
      if (gone.has(shortPbsId(job.schedulerJobId))) {
        await removeCancelledMarker(this.runner, job.jobDir);
      }
    }
    if (refused.length > 0 || (result.code !== 0 && gone.size === 0)) {
      for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
      throw new MolqError(
        `PBS refused to cancel: ${refused[0] ?? `qdel exited with code ${result.code}`}.`,
      );
    }
  }

  /** One qstat call for every id; the statuses it printed, by short id. */
  async #query(
    jobs: readonly TrackedJob[],
    flavour: PbsFlavour,
  ): Promise<Map<string, PbsJobStatus>> {
    const ids = queryIds(jobs);
    const args = flavour === "pro"
      ? ["-f", "-F", "json", "-x", "-t", ...ids]
      : ["-f", "-1", "-t", ...ids];
    const result = await this.#run("qstat", args, true);
    const errors = parseQstatErrors(result.stderr);
    if (errors.other.length > 0 || (result.code !== 0 && errors.unknown.length === 0)) {
      const detail = errors.other[0] ?? `no explanation on stderr`;
      throw new MolqError(`qstat failed with exit code ${result.code}: ${detail}`);
    }
    const empty = result.stdout.trim() === "";
    if (empty && errors.unknown.length === 0) {
      throw new MolqError("qstat printed nothing for the jobs asked about.");
    }
    const parsed = empty
      ? []
      : flavour === "pro"
      ? parseQstatJson(result.stdout)
      : parseQstatFull(result.stdout);
    return new Map(parsed.map((status) => [shortPbsId(status.id), status]));
  }

  /** With `markers`, the cancel markers of those job directories are written first. */
  async #run(
    name: "qsub" | "qstat" | "qdel",
    args: string[],
    allowFailure: boolean,
    cwd?: string,
    markers?: readonly string[],
  ) {
    this.#calls++;
    const command = [this.#commands[name], ...args];
    const marked = withCancelMarkers(command, markers);
    return await this.runner.run(marked.argv, {
      env: marked.env,
      timeoutMs: this.#timeoutMs,
      allowFailure,
      cwd,
      // A hanging site wrapper's children must die with it at the timeout (qsub stays in
      // our group, so that an interrupted submission takes it along).
      ownProcessGroup: name !== "qsub",
    });
  }
}

/** Every tracked id once; a task whose array is also asked about comes with it (`-t`). */
function queryIds(jobs: readonly TrackedJob[]): string[] {
  const arrays = new Set(
    jobs.map((job) => shortPbsId(job.schedulerJobId)).filter((id) => id.endsWith("[]")),
  );
  const ids = jobs.map((job) => job.schedulerJobId)
    .filter((id) => !arrays.has(pbsArrayOf(id)?.parent ?? ""));
  return [...new Set(ids)];
}

function arrayTask(
  parent: TrackedJob,
  task: PbsJobStatus,
  flavour: PbsFlavour,
  cancelRequested: boolean,
  evidence: JobEvidence,
): ArrayTaskObservation {
  const index = pbsArrayOf(task.id)!.index;
  // PBS Pro reports the template it was given; Torque reports each subjob's own file.
  const logPath = (reported: string | null) => reported?.replaceAll("^array_index^", index);
  return {
    arrayJobId: parent.jobId,
    taskId: index,
    schedulerJobId: task.id,
    observation: withFinalUsage(
      observePbsStatus(task, { flavour, cancelRequested, isArray: false }),
      () => mergeUsage(pbsUsage(task), wrapperUsage(evidence)),
    ),
    stdoutPath: logPath(task.outputPath),
    stderrPath: logPath(task.errorPath),
  };
}

/**
 * Tasks of an array that PBS no longer lists (history off, keep_completed passed) but
 * that left an exit code in the job directory: they still get records of their own.
 */
function evidencedTasks(
  files: JobFilesSnapshot,
  parent: TrackedJob,
  seen: ReadonlySet<string>,
  schedulerJobId: (index: string) => string,
): ArrayTaskObservation[] {
  return files.taskIds(parent.jobDir).filter((index) => !seen.has(index)).flatMap((index) => {
    const evidence = files.evidence(parent.jobDir, index);
    const observation = withFinalUsage(
      observeEvidence("PBS", evidence),
      () => wrapperUsage(evidence),
    );
    if (!observation) return [];
    return [{
      arrayJobId: parent.jobId,
      taskId: index,
      schedulerJobId: schedulerJobId(index),
      observation,
    }];
  });
}
