/**
 * The local backend: runs each job on this machine, detached in its own session, under a
 * small sh wrapper that records the start time and exit code and enforces `--time`.
 * The scheduler job id is the wrapper's pid, which is also the job's process group.
 */
import type { JobRequest } from "../core/job_request.ts";
import { MolqError } from "../core/errors.ts";
import { spawnDetached } from "../process/run_command.ts";
import { JOB_SCRIPT, jobFile, readJobEvidence, writeCancelledMarker } from "./job_files.ts";
import { renderJobScript } from "./job_script.ts";
import { readProcessTable } from "./process_table.ts";
import { describeExit } from "./exit_status.ts";
import {
  assertSupported,
  type Observation,
  type RequestField,
  type Scheduler,
  type StatusReport,
  type SubmitContext,
  type SubmitResult,
  type TrackedJob,
} from "./scheduler.ts";

const SUPPORTED = new Set<RequestField>(["time", "after", "after-ok", "after-fail", "after-start"]);
const KILL_GRACE_SECONDS = 5;

export interface LocalOptions {
  /** Seconds between TERM and KILL on cancel and time-out. */
  killGraceSeconds?: number;
}

export class LocalScheduler implements Scheduler {
  readonly kind = "local" as const;
  readonly #killGraceSeconds: number;

  constructor(options: LocalOptions = {}) {
    this.#killGraceSeconds = options.killGraceSeconds ?? KILL_GRACE_SECONDS;
  }

  validate(request: JobRequest): void {
    assertSupported(this.kind, request, SUPPORTED);
  }

  submit(context: SubmitContext): Promise<SubmitResult> {
    const scriptPath = jobFile(context.jobDir, JOB_SCRIPT);
    const script = renderJobScript({
      jobId: context.jobId,
      jobDir: context.jobDir,
      workdir: context.request.workdir,
      command: context.request.command,
      env: context.request.env,
      redirect: { stdoutPath: context.stdoutPath, stderrPath: context.stderrPath },
      schedulerIdExpression: "$$",
      supervise: {
        timeLimitSeconds: context.request.resources.timeLimitSeconds ?? null,
        killGraceSeconds: this.#killGraceSeconds,
      },
    });
    Deno.writeTextFileSync(scriptPath, script, { mode: 0o700 });
    const pid = spawnDetached(["/bin/sh", scriptPath], { cwd: context.jobDir });
    return Promise.resolve({ schedulerJobId: String(pid) });
  }

  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const table = await readProcessTable();
    const observations = new Map<string, Observation>();
    for (const job of jobs) {
      const pid = Number(job.schedulerJobId);
      const wrapperAlive = table.commandLine(pid)?.includes(jobFile(job.jobDir, JOB_SCRIPT)) ??
        false;
      const observation = observe(job, wrapperAlive, table.groupAlive(pid));
      if (observation) observations.set(job.jobId, observation);
    }
    return { observations, newArrayTasks: [], commandCalls: 0 };
  }

  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    for (const job of jobs) writeCancelledMarker(job.jobDir);
    const groups = jobs.map((job) => Number(job.schedulerJobId));
    for (const pgid of groups) signalGroup(pgid, "SIGTERM");
    const deadline = Date.now() + this.#killGraceSeconds * 1000;
    let alive = groups;
    while (alive.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const table = await readProcessTable();
      alive = alive.filter((pgid) => table.groupAlive(pgid));
    }
    for (const pgid of alive) signalGroup(pgid, "SIGKILL");
  }
}

function observe(job: TrackedJob, wrapperAlive: boolean, groupAlive: boolean): Observation | null {
  const evidence = readJobEvidence(job.jobDir);
  const startedAt = evidence.startedAt ?? null;
  if (evidence.exitCode !== undefined || (!groupAlive && evidence.timedOut)) {
    const finishedAt = evidence.finishedAt ?? Date.now();
    const exitCode = evidence.exitCode ?? null;
    if (evidence.cancelled) {
      return { state: "cancelled", exitCode, startedAt, finishedAt, failureReason: "Cancelled." };
    }
    if (evidence.timedOut) {
      const limit = job.timeLimitSeconds === null ? "its" : `its ${job.timeLimitSeconds} s`;
      const failureReason = `Killed after exceeding ${limit} time limit.`;
      return { state: "timed_out", exitCode, startedAt, finishedAt, failureReason };
    }
    if (exitCode === 0) return { state: "succeeded", exitCode, startedAt, finishedAt };
    return {
      state: "failed",
      exitCode,
      startedAt,
      finishedAt,
      failureReason: describeExit(exitCode!),
    };
  }
  if (wrapperAlive || groupAlive) {
    const detail = wrapperAlive ? null : "wrapper gone; job processes still running";
    return { state: "running", startedAt, detail };
  }
  if (evidence.cancelled) {
    return { state: "cancelled", startedAt, finishedAt: Date.now(), failureReason: "Cancelled." };
  }
  if (startedAt !== null) {
    return {
      state: "failed",
      startedAt,
      finishedAt: Date.now(),
      failureReason:
        `The job's wrapper (pid ${job.schedulerJobId}) ended without recording an exit code; it was probably killed.`,
    };
  }
  return null; // no evidence at all: the reconciler decides about "lost"
}

function signalGroup(pgid: number, signal: Deno.Signal): void {
  if (!Number.isInteger(pgid) || pgid <= 1) {
    throw new MolqError(`Cannot signal local job ${pgid}: it is not a valid process id.`);
  }
  try {
    Deno.kill(-pgid, signal);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // already gone
    throw new MolqError(`Cannot signal local job ${pgid}: ${String(error)}.`);
  }
}
