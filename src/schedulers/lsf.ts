/**
 * The LSF backend: `bsub` with the script on stdin, one batched `bjobs -a -o ... -json`
 * per pass, one `bhist -l` for the jobs bjobs has forgotten, then the job-written
 * exit-code file; `bkill` to cancel.
 */
import type { JobRequest } from "../core/job_request.ts";
import { MolqError } from "../core/errors.ts";
import type { Environment, RunResult } from "../process/run_command.ts";
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
import { commandDetail, firstLine, schedulerMessage } from "./directive_text.ts";
import {
  BJOBS_FIELDS,
  BJOBS_USAGE_FIELDS,
  type LsfJobStatus,
  lsfKey,
  parseBhist,
  parseBjobsJson,
  parseBsubOutput,
} from "./lsf_parse.ts";
import { renderLsfScript, validateLsfRequest } from "./lsf_script.ts";
import { observeLsfStatus } from "./lsf_states.ts";
import { observeEvidence } from "./evidence_observation.ts";
import { withFinalUsage } from "./final_usage.ts";
import { lsfUsage } from "./lsf_usage.ts";
import { wrapperUsage } from "./wrapper_usage.ts";
import { mergeUsage } from "../core/job_usage.ts";
import type {
  ArrayTaskObservation,
  Observation,
  Scheduler,
  StatusReport,
  SubmitContext,
  SubmitResult,
  TrackedJob,
} from "./scheduler.ts";

export interface LsfOptions {
  /** Paths of the LSF commands, when they are not on PATH under their usual names. */
  commands?: { bsub?: string; bjobs?: string; bkill?: string; bhist?: string };
  commandTimeoutMs?: number;
  runner?: Runner;
}

type Command = "bsub" | "bjobs" | "bkill" | "bhist";

const DEFAULT_TIMEOUT_MS = 30_000;

export class LsfScheduler implements Scheduler {
  readonly kind = "lsf" as const;
  readonly runner: Runner;
  readonly #commands: Record<Command, string>;
  readonly #timeoutMs: number;

  constructor(options: LsfOptions = {}) {
    this.#commands = {
      bsub: "bsub",
      bjobs: "bjobs",
      bkill: "bkill",
      bhist: "bhist",
      ...options.commands,
    };
    this.#timeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.runner = options.runner ?? localRunner;
  }

  validate(request: JobRequest): void {
    validateLsfRequest(request);
  }

  async submit(context: SubmitContext): Promise<SubmitResult> {
    validateLsfRequest(context.request);
    const script = renderLsfScript(context);
    await this.runner.writeFile(jobFile(context.jobDir, JOB_SCRIPT), script, 0o700);
    let result: RunResult;
    try {
      result = await this.#run("bsub", context.request.extraArgs, {
        stdin: script,
        cwd: context.jobDir,
        // bsub passes its environment on: a later start passes on the submitter's.
        ...(context.environment ? { env: context.environment, clearEnv: true } : {}),
      });
    } catch (error) {
      throw new MolqError(`LSF rejected the job: ${schedulerMessage(error)}`);
    }
    return { schedulerJobId: parseBsubOutput(result.stdout) };
  }

  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const observations = new Map<string, Observation>();
    const newArrayTasks: ArrayTaskObservation[] = [];
    if (jobs.length === 0) return { observations, newArrayTasks, commandCalls: 0 };
    let commandCalls = 1;
    const queue = await this.#queried(() => this.#bjobs(queryIds(jobs)));
    const files = await gatherJobFiles(this.runner, jobs.map((job) => job.jobDir), {
      timeoutMs: this.#timeoutMs,
    });
    let missing = this.#resolve(jobs, queue, "bjobs", files, observations, newArrayTasks);
    if (missing.length > 0) {
      commandCalls++;
      const history = await this.#queried(() => this.#bhist(queryIds(missing)));
      missing = this.#resolve(missing, history, "bhist", files, observations, newArrayTasks);
    }
    for (const job of missing) {
      const evidence = files.evidence(job.jobDir, job.arrayTaskId);
      const observation = observeEvidence("LSF", evidence);
      if (observation) {
        observations.set(job.jobId, withFinalUsage(observation, () => wrapperUsage(evidence)));
      }
    }
    for (const job of jobs.filter((job) => job.arrayTaskId === null)) {
      newArrayTasks.push(...evidencedTasks(files, job, newArrayTasks));
    }
    return { observations, newArrayTasks, commandCalls };
  }

  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // Array elements share their array's directory, so only whole jobs get the marker.
    const marked = jobs.filter((job) => job.arrayTaskId === null);
    const result = await this.#run("bkill", jobs.map((job) => job.schedulerJobId), {
      allowFailure: true,
      markers: marked.map((job) => job.jobDir),
    })
      .catch(async (error) => {
        for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
        throw new MolqError(`Cannot cancel LSF jobs: ${commandDetail(error)}`);
      });
    const gone = new Set<string>();
    const refused: string[] = [];
    for (const line of result.stderr.split("\n").map((l) => l.trim()).filter((l) => l)) {
      const match = /^Job <([^>]+)>: (?:Job has already finished|No matching job found)/.exec(line);
      if (match) gone.add(match[1]!);
      else refused.push(line);
    }
    // A job that had already finished was not cancelled by us.
    for (const job of marked) {
      if (gone.has(job.schedulerJobId)) await removeCancelledMarker(this.runner, job.jobDir);
    }
    if (refused.length > 0) {
      for (const job of marked) await removeCancelledMarker(this.runner, job.jobDir);
      throw new MolqError(`LSF refused to cancel: ${refused[0]}`);
    }
  }

  /**
   * Fills in what `statuses` says about each job (array elements of a tracked array
   * become new tasks) and returns the jobs it says nothing about.
   */
  #resolve(
    jobs: readonly TrackedJob[],
    statuses: readonly LsfJobStatus[],
    from: "bjobs" | "bhist",
    files: JobFilesSnapshot,
    observations: Map<string, Observation>,
    newArrayTasks: ArrayTaskObservation[],
  ): TrackedJob[] {
    const byKey = new Map(statuses.map((status) => [lsfKey(status), status]));
    const missing: TrackedJob[] = [];
    for (const job of jobs) {
      const cancelRequested = files.evidence(job.jobDir).cancelled;
      if (job.arrayTaskId === null) {
        const elements = statuses.filter((s) => s.jobId === job.schedulerJobId && s.index > 0);
        for (const element of elements) {
          const evidence = files.evidence(job.jobDir, String(element.index));
          newArrayTasks.push(arrayTask(job, element, from, cancelRequested, evidence));
        }
        if (elements.length > 0) continue;
      }
      const status = byKey.get(job.schedulerJobId);
      if (status && status.stat !== "") {
        const evidence = files.evidence(job.jobDir, job.arrayTaskId);
        const usage = () => mergeUsage(lsfUsage(status, from), wrapperUsage(evidence));
        observations.set(
          job.jobId,
          withFinalUsage(observeLsfStatus(status, cancelRequested), usage),
        );
      } else missing.push(job);
    }
    return missing;
  }

  async #bjobs(ids: string[]): Promise<LsfJobStatus[]> {
    const format = [...BJOBS_FIELDS, ...BJOBS_USAGE_FIELDS].join(" ");
    // bjobs' exit code says nothing useful (unknown ids make it non-zero): read the JSON.
    const result = await this.#run("bjobs", ["-a", "-o", format, "-json", ...ids], {
      allowFailure: true,
      env: { LSB_DISPLAY_YEAR: "Y" },
    });
    if (result.stdout.trim() === "") {
      throw new MolqError(
        `bjobs printed nothing (exit code ${result.code}): ${
          firstLine(result.stderr) || "no error message"
        }.`,
      );
    }
    return parseBjobsJson(result.stdout).statuses;
  }

  async #bhist(ids: string[]): Promise<LsfJobStatus[]> {
    const result = await this.#run("bhist", ["-l", ...ids], {
      allowFailure: true,
      env: { LSB_DISPLAY_YEAR: "Y" },
    });
    const noMatch = /No matching job found/;
    const stdout = result.stdout.split("\n").filter((line) => !noMatch.test(line)).join("\n");
    const errors = result.stderr.split("\n").map((l) => l.trim()).filter((l) =>
      l && !noMatch.test(l)
    );
    const unexplained = result.code !== 0 && stdout.trim() === "" &&
      !noMatch.test(result.stdout + result.stderr);
    if (errors.length > 0 || unexplained) {
      throw new MolqError(
        `bhist failed with exit code ${result.code}: ${errors[0] ?? "no error message"}.`,
      );
    }
    return parseBhist(stdout).filter((status) => status.stat !== "");
  }

  async #queried<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw new MolqError(`Cannot query LSF job status: ${commandDetail(error)}`);
    }
  }

  async #run(
    name: Command,
    args: string[],
    options: {
      allowFailure?: boolean;
      stdin?: string;
      cwd?: string;
      env?: Environment;
      clearEnv?: boolean;
      /** The job directories whose cancel markers are written first (bkill). */
      markers?: readonly string[];
    } = {},
  ): Promise<RunResult> {
    const { markers, ...rest } = options;
    const command = [this.#commands[name], ...args];
    const marked = withCancelMarkers(command, markers);
    return await this.runner.run(marked.argv, {
      timeoutMs: this.#timeoutMs,
      // A hanging site wrapper's children must die with it at the timeout (bsub stays in
      // our group, so that an interrupted submission takes it along).
      ownProcessGroup: name !== "bsub",
      ...rest,
      env: { ...rest.env, ...marked.env },
    });
  }
}

/** Every tracked id once; an element whose array is also asked about comes with it. */
function queryIds(jobs: readonly TrackedJob[]): string[] {
  const arrays = new Set(
    jobs.filter((job) => job.arrayTaskId === null).map((job) => job.schedulerJobId),
  );
  const ids = jobs.map((job) => job.schedulerJobId).filter((id) =>
    !arrays.has(/^(\d+)\[/.exec(id)?.[1] ?? "")
  );
  return [...new Set(ids)];
}

function arrayTask(
  parent: TrackedJob,
  element: LsfJobStatus,
  from: "bjobs" | "bhist",
  cancelRequested: boolean,
  evidence: JobEvidence,
): ArrayTaskObservation {
  const index = String(element.index);
  const path = (file: string | null) =>
    file?.replaceAll("%J", element.jobId).replaceAll("%I", index);
  return {
    arrayJobId: parent.jobId,
    taskId: index,
    schedulerJobId: lsfKey(element),
    observation: withFinalUsage(
      observeLsfStatus(element, cancelRequested),
      () => mergeUsage(lsfUsage(element, from), wrapperUsage(evidence)),
    ),
    stdoutPath: path(element.outputFile),
    stderrPath: path(element.errorFile),
  };
}

/**
 * Elements of an array that neither bjobs nor bhist know any more but that left an exit
 * code in the job directory: they still get records of their own.
 */
function evidencedTasks(
  files: JobFilesSnapshot,
  parent: TrackedJob,
  reported: readonly ArrayTaskObservation[],
): ArrayTaskObservation[] {
  const seen = new Set(reported.filter((t) => t.arrayJobId === parent.jobId).map((t) => t.taskId));
  return files.taskIds(parent.jobDir).filter((index) => !seen.has(index)).flatMap((index) => {
    const evidence = files.evidence(parent.jobDir, index);
    const observation = withFinalUsage(
      observeEvidence("LSF", evidence),
      () => wrapperUsage(evidence),
    );
    if (!observation) return [];
    const schedulerJobId = `${parent.schedulerJobId}[${index}]`;
    return [{ arrayJobId: parent.jobId, taskId: index, schedulerJobId, observation }];
  });
}
