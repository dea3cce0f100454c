/**
 * Helpers for the tests that run molq's SLURM backend against the real dev cluster
 * (scripts/slurm-dev-cluster.sh): bring the cluster up, submit, poll, fake commands.
 */
import type { JobRequest } from "../src/core/job_request.ts";
import { isTerminal } from "../src/core/job_state.ts";
import { runCommand } from "../src/process/run_command.ts";
import type { StatusReport, SubmitContext, TrackedJob } from "../src/schedulers/scheduler.ts";
import type { SlurmScheduler } from "../src/schedulers/slurm.ts";

export const SKIP = Deno.env.get("MOLQ_SLURM_TESTS") === "skip";
const CLUSTER_SCRIPT = new URL("../scripts/slurm-dev-cluster.sh", import.meta.url).pathname;
export const ROOT = SKIP ? "" : await Deno.makeTempDir({ prefix: "molq-slurm-e2e-" });

/** What preparing the cluster found; read after `ready` settled. */
export const cluster = { startedHere: false, accountingOn: true };
/** Every job the tests submitted, cancelled at the end whatever happened to the tests. */
const submittedIds: string[] = [];
export const ready: Promise<void> = SKIP ? Promise.resolve() : prepareCluster();
ready.catch(() => {}); // reported by every test that awaits it

async function prepareCluster(): Promise<void> {
  let status = await runCommand([CLUSTER_SCRIPT, "status"], { allowFailure: true });
  if (status.code !== 0) {
    const start = await runCommand([CLUSTER_SCRIPT, "start"], {
      allowFailure: true,
      timeoutMs: 300_000,
    });
    if (start.code !== 0) {
      throw new Error(
        `SLURM is not reachable and "${CLUSTER_SCRIPT} start" failed (exit ${start.code}): ${start.stderr.trim()}; set MOLQ_SLURM_TESTS=skip to skip the SLURM tests.`,
      );
    }
    cluster.startedHere = true;
    status = await runCommand([CLUSTER_SCRIPT, "status"], { allowFailure: true });
  }
  cluster.accountingOn = !/accounting: off/.test(status.stdout + status.stderr);
}

export function slurmTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: SKIP,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      await ready;
      await fn();
    },
  });
}

export interface Submitted extends TrackedJob {
  context: SubmitContext;
}

export async function submit(
  scheduler: SlurmScheduler,
  request: Partial<JobRequest>,
  extra: Partial<Pick<SubmitContext, "stdoutPath" | "stderrPath" | "dependencies">> = {},
): Promise<Submitted> {
  const jobId = crypto.randomUUID();
  const jobDir = `${ROOT}/${jobId}`;
  await Deno.mkdir(jobDir, { mode: 0o700 });
  const context: SubmitContext = {
    jobId,
    jobDir,
    stdoutPath: `${jobDir}/stdout.log`,
    stderrPath: `${jobDir}/stderr.log`,
    dependencies: [],
    ...extra,
    request: {
      command: { type: "argv", argv: ["true"] },
      workdir: ROOT,
      env: {},
      resources: {},
      scheduling: {},
      dependencies: [],
      metadata: {},
      extraArgs: [],
      ...request,
    },
  };
  const { schedulerJobId } = await scheduler.submit(context);
  submittedIds.push(schedulerJobId);
  return {
    jobId,
    schedulerJobId,
    jobDir,
    state: "submitted",
    submittedAt: Date.now(),
    timeLimitSeconds: context.request.resources.timeLimitSeconds ?? null,
    arrayTaskId: null,
    context,
  };
}

export function sh(script: string, ...args: string[]): JobRequest["command"] {
  return { type: "argv", argv: ["sh", "-c", script, "sh", ...args] };
}

export async function waitFor(
  scheduler: SlurmScheduler,
  jobs: readonly TrackedJob[],
  done: (report: StatusReport) => boolean,
  timeoutMs = 40_000,
): Promise<StatusReport> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const report = await scheduler.status(jobs);
    if (done(report)) return report;
    if (Date.now() > deadline) {
      const seen = JSON.stringify([...report.observations], null, 1);
      throw new Error(`Timed out waiting for SLURM; last observations: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

export function allFinal(jobs: readonly TrackedJob[]): (report: StatusReport) => boolean {
  return (report) =>
    jobs.every((job) => {
      const state = report.observations.get(job.jobId)?.state;
      return state !== undefined && isTerminal(state);
    });
}

/** Waits until squeue itself no longer lists the ids (MinJobAge=10 purged them). */
export async function waitUntilPurged(ids: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await runCommand(
      ["squeue", "-h", "-t", "all", "-o", "%i", "-j", ids.join(",")],
      {
        allowFailure: true,
      },
    );
    if (result.stdout.trim() === "") return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`SLURM did not purge jobs ${ids.join(",")} within ${timeoutMs / 1000} s.`);
}

export async function fakeCommand(name: string, body: string): Promise<string> {
  const path = `${ROOT}/fake-${name}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

/** Cancels leftover jobs, stops the cluster if `ready` started it, removes the test directory. */
export async function cleanUp(): Promise<void> {
  await ready.catch(() => {});
  if (submittedIds.length > 0) {
    // scancel ignores finished and unknown ids; a failed test must not leave jobs behind.
    await runCommand(["scancel", ...submittedIds], { allowFailure: true });
  }
  if (cluster.startedHere) await runCommand([CLUSTER_SCRIPT, "stop"], { timeoutMs: 120_000 });
  await Deno.remove(ROOT, { recursive: true });
}
