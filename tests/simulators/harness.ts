/**
 * Helpers for driving a backend against the simulators: a private state directory,
 * submit contexts with real job directories, status polling, and fake or counting
 * commands for fault tests.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JobRequest } from "../../src/core/job_request.ts";
import { shellQuote } from "../../src/core/shell_quote.ts";
import { isTerminal } from "../../src/core/job_state.ts";
import type {
  Scheduler,
  StatusReport,
  SubmitContext,
  TrackedJob,
} from "../../src/schedulers/scheduler.ts";

export interface Simulator {
  /** A private temporary directory: simulator state, job directories, fake commands. */
  root: string;
  /** The simulator's commands by name, wrapped to use this simulator's state and settings. */
  commands: Record<string, string>;
  /** Changes settings (environment variables the simulator reads) for later calls. */
  set(settings: Record<string, string>): void;
}

/**
 * A fresh simulator (`pbs` = PBS Pro, `torque`, or `lsf`). Its settings live in a file the
 * command wrappers source, so tests never touch this process's environment; job launchers
 * inherit them from the submit command.
 */
/** Every simulator of this test process lives under one directory, removed at exit. */
const scratch = Deno.makeTempDirSync({ prefix: "molq-sim-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(scratch, { recursive: true });
  } catch {
    // a launcher may still be writing; /tmp is cleaned eventually
  }
});

export function startSimulator(
  kind: "pbs" | "torque" | "lsf",
  settings: Record<string, string>,
): Simulator {
  const root = Deno.makeTempDirSync({ dir: scratch });
  const state = join(root, "state");
  Deno.mkdirSync(state);
  Deno.mkdirSync(join(root, "bin"));
  const current: Record<string, string> = { MOLQ_SIM_STATE: state };
  const set = (more: Record<string, string>) => {
    Object.assign(current, more);
    const lines = Object.entries(current).map(([name, value]) => `${name}=${shellQuote(value)}`);
    Deno.writeTextFileSync(join(root, "settings.env"), lines.join("\n") + "\n");
  };
  set(settings);
  const bin = fileURLToPath(new URL(`./${kind}/bin/`, import.meta.url));
  const names = kind === "lsf" ? ["bsub", "bjobs", "bkill", "bhist"] : ["qsub", "qstat", "qdel"];
  const commands = Object.fromEntries(names.map((name) => {
    const body = `set -a\n. ${shellQuote(join(root, "settings.env"))}\nset +a\nexec ${
      shellQuote(join(bin, name))
    } "$@"`;
    return [name, writeCommand(join(root, "bin"), name, body)];
  }));
  return { root, commands, set };
}

export function request(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    command: { type: "shell", command: "true" },
    workdir: "/tmp",
    env: {},
    resources: {},
    scheduling: {},
    dependencies: [],
    metadata: {},
    extraArgs: [],
    ...overrides,
  };
}

/** A submit context with its job directory created under `root`. */
export function submitContext(
  root: string,
  jobRequest: JobRequest,
  dependencies: SubmitContext["dependencies"] = [],
): SubmitContext {
  const jobId = crypto.randomUUID();
  const jobDir = join(root, "jobs", jobId);
  Deno.mkdirSync(jobDir, { recursive: true, mode: 0o700 });
  return {
    jobId,
    jobDir,
    request: {
      ...jobRequest,
      dependencies: dependencies.map(({ kind, jobId }) => ({ kind, jobId })),
    },
    stdoutPath: join(jobDir, "stdout.log"),
    stderrPath: join(jobDir, "stderr.log"),
    dependencies,
  };
}

/** Submits and returns the record the reconciler would track. */
export async function submitTracked(
  scheduler: Scheduler,
  context: SubmitContext,
): Promise<TrackedJob> {
  const { schedulerJobId } = await scheduler.submit(context);
  return {
    jobId: context.jobId,
    schedulerJobId,
    jobDir: context.jobDir,
    state: "submitted",
    submittedAt: Date.now(),
    timeLimitSeconds: context.request.resources.timeLimitSeconds ?? null,
    arrayTaskId: null,
  };
}

/** Polls until `done` holds for a report; fails the test after `timeoutMs`. */
export async function pollUntil(
  scheduler: Scheduler,
  jobs: readonly TrackedJob[],
  done: (report: StatusReport) => boolean,
  timeoutMs = 20_000,
): Promise<StatusReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await scheduler.status(jobs);
    if (done(report)) return report;
    assert.ok(
      Date.now() < deadline,
      `timed out waiting; last report: ${JSON.stringify([...report.observations])}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Polls until every job has a terminal observation. */
export function pollUntilFinal(
  scheduler: Scheduler,
  jobs: readonly TrackedJob[],
  timeoutMs?: number,
) {
  return pollUntil(scheduler, jobs, (report) =>
    jobs.every((job) => {
      const observation = report.observations.get(job.jobId);
      return observation !== undefined && isTerminal(observation.state);
    }), timeoutMs);
}

/** An executable `sh` script in `dir`, for fake or wrapped commands. */
export function writeCommand(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  Deno.writeTextFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

/** Wraps a command so that every call appends a line to a counter file. */
export function countingCommand(dir: string, real: string): { path: string; calls: () => number } {
  const counter = join(dir, `${real.split("/").pop()}.calls`);
  const path = writeCommand(
    dir,
    `counting-${real.split("/").pop()}`,
    `echo "$*" >>'${counter}'\nexec '${real}' "$@"`,
  );
  const calls = () => {
    try {
      return Deno.readTextFileSync(counter).split("\n").filter((line) => line !== "").length;
    } catch {
      return 0;
    }
  };
  return { path, calls };
}
