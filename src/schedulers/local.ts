/**
 * The local backend: runs each job on the runner's machine (this host, or a cluster's login
 * node over SSH), detached in its own session, under a small sh wrapper that records its
 * host, start time and exit code and enforces `--time`. The scheduler job id is the
 * wrapper's pid, which is also the job's process group. A job belongs to the host it runs
 * on: only that host judges or signals it, because only there do its pids mean anything.
 * What a job used comes from the wrapper too: CPU time and a sampled memory peak.
 */
import { LOCAL_SUPPORTED } from "./local_fields.ts";
import type { JobRequest } from "../core/job_request.ts";
import { MolqError } from "../core/errors.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import type { Runner } from "../process/runner.ts";
import { localRunner } from "../process/local_runner.ts";
import { SIGNAL_GROUPS_SH } from "../process/host_scripts.ts";
import { CANCELLED_MARKER, JOB_SCRIPT, jobFile } from "./job_files.ts";
import { type DirRequest, gatherJobFiles, JobFilesSnapshot } from "./job_files_snapshot.ts";
import { processView } from "./process_table.ts";
import { RunningWrappers } from "./running_wrappers.ts";
import { renderJobScript } from "./job_script.ts";
import { parseArraySpec } from "./array_spec.ts";
import { ARRAY_SIGNAL_SH } from "./local_array_launcher.ts";
import {
  isLocalArray,
  observeLocalArrays,
  restartLauncher,
  submitLocalArray,
} from "./local_array.ts";
import { observeHere } from "./local_observe.ts";
import { wrapperUsage } from "./wrapper_usage.ts";
import {
  assertSupported,
  type Scheduler,
  type StatusReport,
  type SubmitContext,
  type SubmitResult,
  type TrackedJob,
  type UsageReading,
  type UsageReport,
} from "./scheduler.ts";

const KILL_GRACE_SECONDS = 5;

export interface LocalOptions {
  /** Seconds between TERM and KILL on cancel and time-out. */
  killGraceSeconds?: number;
  runner?: Runner;
  /** What later passes remember of running wrappers (tests give their own clockwork). */
  runningWrappers?: RunningWrappers;
}

export class LocalScheduler implements Scheduler {
  readonly kind = "local" as const;
  readonly runner: Runner;
  readonly #killGraceSeconds: number;
  /** Wrappers seen running, for the next passes of this process (this machine only). */
  readonly #running: RunningWrappers | null;
  /** The host the last evidence step ran on (its boot id cannot change under us). */
  #host: HostIdentity | null = null;
  #passes = 0;

  constructor(options: LocalOptions = {}) {
    this.#killGraceSeconds = options.killGraceSeconds ?? KILL_GRACE_SECONDS;
    this.runner = options.runner ?? localRunner;
    this.#running = this.runner.remote ? null : options.runningWrappers ?? new RunningWrappers();
  }

  validate(request: JobRequest): void {
    assertSupported(this.kind, request, LOCAL_SUPPORTED);
    if (request.scheduling.array !== undefined) parseArraySpec(request.scheduling.array);
  }

  async submit(context: SubmitContext): Promise<SubmitResult> {
    if (context.request.scheduling.array !== undefined) {
      const started = await submitLocalArray(this.runner, context, this.#killGraceSeconds);
      return { schedulerJobId: String(started.pid), host: started.host };
    }
    const scriptPath = jobFile(context.jobDir, JOB_SCRIPT);
    const script = renderJobScript({
      jobId: context.jobId,
      jobDir: context.jobDir,
      workdir: context.request.workdir,
      command: context.request.command,
      env: context.request.env,
      redirect: { stdoutPath: context.stdoutPath, stderrPath: context.stderrPath },
      schedulerIdExpression: "$$",
      recordHost: true,
      sampleMemory: true,
      supervise: {
        timeLimitSeconds: context.request.resources.timeLimitSeconds ?? null,
        killGraceSeconds: this.#killGraceSeconds,
      },
    });
    await this.runner.writeFile(scriptPath, script, 0o700);
    const started = await this.runner.startDetached(
      scriptPath,
      context.jobDir,
      context.environment,
    );
    return { schedulerJobId: String(started.pid), host: started.host };
  }

  /**
   * One evidence step: each job's wrapper (or array launcher) is probed, then the files of
   * only the jobs whose decision needs them are read. A running job whose wrapper still
   * runs in its directory needs none, so a pass over thousands of running jobs reads no
   * job directory at all; another host's job is not even probed. From its second pass on,
   * a process remembers the wrappers it saw running (running_wrappers.ts) and probes those
   * again only when something changed or REVERIFY_MS passed.
   */
  async status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    const hostname = this.runner.knownHostname?.() ?? null;
    const now = Date.now();
    const memory = this.#passes++ > 0 ? this.#running : null;
    const inArrays = (job: TrackedJob) => job.arrayTaskId !== null || isLocalArray(job);
    // An array's tasks share its directory: each directory is read once, if at all.
    const requests = new Map<string, DirRequest>();
    const remembered = new Map<string, number>();
    for (const job of jobs) {
      if (requests.has(job.jobDir) || remembered.has(job.jobDir)) continue;
      const pid = Number(job.schedulerJobId.split("_")[0]);
      if (inArrays(job)) {
        requests.set(job.jobDir, { dir: job.jobDir, pid, filesUnlessRunning: false });
      } else if (!elsewhere(job, hostname)) {
        const filesUnlessRunning = job.state === "running" && job.host != null && !job.hostAssumed;
        if (filesUnlessRunning && memory?.stillRunning(job.jobDir, pid, now)) {
          remembered.set(job.jobDir, pid);
        } else requests.set(job.jobDir, { dir: job.jobDir, pid, filesUnlessRunning });
      }
    }
    const probed = [...requests.values()].filter((request) => request.filesUnlessRunning);
    const mtimes = memory?.mtimesBefore(probed.map((request) => request.dir)) ?? new Map();
    const step = requests.size === 0 && this.#host
      ? new JobFilesSnapshot(this.#host, processView(new Map(), null), new Map())
      : await gatherJobFiles(this.runner, [...requests.values()], { processes: true });
    this.#host = step.host;
    if (memory) {
      const verified = probed.filter(({ dir, pid }) => step.processes!.runsIn(pid!, dir));
      const keep = new Set(remembered.keys());
      memory.remember(verified as { dir: string; pid: number }[], mtimes, keep, now);
    }
    const snapshot = withRemembered(step, remembered);
    const arrays = observeLocalArrays(jobs.filter(inArrays), snapshot);
    const observations = arrays.observations;
    const elsewhereJobs = arrays.elsewhere;
    for (const job of jobs.filter((job) => !inArrays(job))) {
      const observation = observeHere(job, snapshot);
      if (observation === "elsewhere") elsewhereJobs.add(job.jobId);
      else if (observation) observations.set(job.jobId, observation);
    }
    for (const { job, restarts } of arrays.restarts) {
      // A failed restart is tried again by the next pass (it was counted).
      await restartLauncher(this.runner, job, restarts).catch(() => {});
    }
    return {
      observations,
      newArrayTasks: arrays.newArrayTasks,
      commandCalls: 0,
      elsewhere: elsewhereJobs,
    };
  }

  /**
   * The wrapper's figures of jobs recorded as finished before their wrapper ended (a
   * cancel records the end at once): final once the wrapper wrote its exit code or is gone.
   */
  async usage(jobs: readonly TrackedJob[]): Promise<UsageReport> {
    const requests = jobs.map((job) => ({
      dir: job.jobDir,
      pid: Number(job.schedulerJobId),
      filesUnlessRunning: false,
    }));
    const snapshot = await gatherJobFiles(this.runner, requests, { processes: true });
    const readings = new Map<string, UsageReading>();
    for (const job of jobs) {
      const evidence = snapshot.evidence(job.jobDir);
      const owner = job.host?.hostname ?? evidence.host?.hostname ?? snapshot.host.hostname;
      const pid = Number(job.schedulerJobId);
      const alive = owner === snapshot.host.hostname && snapshot.processes!.groupAlive(pid);
      if (evidence.exitCode === undefined && alive) continue; // still ending: ask again
      readings.set(job.jobId, { usage: wrapperUsage(evidence), final: true, complete: true });
    }
    return { readings, commandCalls: 0 };
  }

  /**
   * Signals every job's process group (TERM, grace, KILL) on the host it runs on. An array
   * stops its launcher (no task starts any more) and signals every started task; a task
   * alone is signalled alone.
   */
  async cancel(jobs: readonly TrackedJob[]): Promise<void> {
    const arrays = jobs.filter(isLocalArray);
    const arrayDirs = new Set(arrays.map((array) => array.jobDir));
    const tasksByDir = new Map<string, TrackedJob[]>();
    for (const task of jobs.filter((job) => job.arrayTaskId !== null)) {
      if (!arrayDirs.has(task.jobDir)) {
        tasksByDir.set(task.jobDir, [...(tasksByDir.get(task.jobDir) ?? []), task]);
      }
    }
    const byHost = new Map<string, TrackedJob[]>();
    for (const job of jobs.filter((job) => job.arrayTaskId === null && !isLocalArray(job))) {
      const pgid = Number(job.schedulerJobId);
      if (!Number.isInteger(pgid) || pgid <= 1) {
        throw new MolqError(
          `Cannot signal local job ${job.schedulerJobId}: it is not a valid process id.`,
        );
      }
      const host = job.host?.hostname ?? "";
      byHost.set(host, [...(byHost.get(host) ?? []), job]);
    }
    for (const [host, group] of byHost) {
      const here = host || await this.#hostName();
      const jobs = group.flatMap((job) => [job.schedulerJobId, job.jobDir]);
      const markers = group.map((job) => jobFile(job.jobDir, CANCELLED_MARKER));
      const grace = String(this.#killGraceSeconds);
      await this.#signal(host, group, markers, [SIGNAL_GROUPS_SH, "signal", here, grace, ...jobs]);
    }
    for (const array of arrays) await this.#signalArray(array, [array], "all");
    for (const tasks of tasksByDir.values()) await this.#signalArray(tasks[0]!, tasks, "tasks");
  }

  /** Stops a whole array (`all`) or signals some of its tasks, through ARRAY_SIGNAL_SH. */
  async #signalArray(any: TrackedJob, jobs: TrackedJob[], which: "all" | "tasks"): Promise<void> {
    const host = any.host?.hostname ?? "";
    const launcher = any.schedulerJobId.split("_")[0]!;
    const taskIds = jobs.map((job) => job.arrayTaskId!);
    const markers = which === "all"
      ? [jobFile(any.jobDir, CANCELLED_MARKER)]
      : taskIds.map((task) => jobFile(any.jobDir, `${CANCELLED_MARKER}.${task}`));
    const tail = which === "all" ? ["all"] : taskIds;
    const here = host || await this.#hostName();
    await this.#signal(host, jobs, markers, [
      ARRAY_SIGNAL_SH,
      "signal-array",
      here,
      String(this.#killGraceSeconds),
      any.jobDir,
      launcher,
      ...tail,
    ]);
  }

  async #hostName(): Promise<string> {
    return (await gatherJobFiles(this.runner, [])).host.hostname;
  }

  /**
   * Runs a signal script (`script, $0, HOST, GRACE, ...`). It writes the cancel markers
   * itself, past its host check and before its first signal (so that an exit code written
   * as the job dies reads as a cancel): a cancel that never ran there leaves none behind
   * to turn the job's own end into `cancelled` later.
   */
  async #signal(
    host: string,
    jobs: TrackedJob[],
    markers: string[],
    script: string[],
  ): Promise<void> {
    const argv = ["/bin/sh", "-c", ...script];
    const result = await this.runner.run(argv, {
      allowFailure: true,
      timeoutMs: (this.#killGraceSeconds + 30) * 1000,
      env: { MOLQ_MARKERS: markers.join("\n") },
    });
    if (result.code === 0) return;
    if (result.code === 3) {
      const actual = result.stdout.replace(/^host /, "").trim();
      throw new MolqError(
        `Cannot cancel ${describeJobs(jobs)}: ${
          jobs.length === 1 ? "it runs" : "they run"
        } on ${host}, not on ${actual}; cancel ${jobs.length === 1 ? "it" : "them"} there.`,
      );
    }
    throw new MolqError(
      `Cannot cancel ${describeJobs(jobs)} on ${this.runner.where}: ${
        result.stderr.trim() || `exit code ${result.code}`
      }.`,
    );
  }
}

/** A job recorded on another host than `hostname` (a legacy record may be ours after all). */
function elsewhere(job: TrackedJob, hostname: string | null): boolean {
  return hostname !== null && job.host != null && !job.hostAssumed &&
    job.host.hostname !== hostname;
}

/** The step's snapshot, with the remembered wrappers (directory → pid) as running too. */
function withRemembered(
  step: JobFilesSnapshot,
  remembered: ReadonlyMap<string, number>,
): JobFilesSnapshot {
  if (remembered.size === 0) return step;
  const seen = step.processes!;
  const pids = new Set(remembered.values());
  return new JobFilesSnapshot(step.host, {
    runsIn: (pid, jobDir) => remembered.get(jobDir) === pid || seen.runsIn(pid, jobDir),
    groupAlive: (pgid) => pids.has(pgid) || seen.groupAlive(pgid),
  }, step.files);
}

function describeJobs(jobs: TrackedJob[]): string {
  return jobs.length === 1 ? `local job ${jobs[0]!.schedulerJobId}` : `${jobs.length} local jobs`;
}
