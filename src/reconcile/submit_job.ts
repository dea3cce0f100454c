/**
 * One submission: write the record (`created`) and the job directory first, then hand
 * the job to the scheduler, then record `submitted` — or `failed` with the scheduler's
 * message. A crash between the steps leaves a record the reconciler resolves.
 */
import { dirname, join } from "../core/paths.ts";
import { MolqError, UsageError } from "../core/errors.ts";
import type { JobRecord, SchedulerKind } from "../core/job_record.ts";
import { META_JOB_DIR, META_STDERR, META_STDOUT } from "../core/job_record.ts";
import { displayCommand, type JobRequest } from "../core/job_request.ts";
import type { JobStore } from "../store/job_store.ts";
import { localHostHere, type Scheduler, submitContextFor } from "../schedulers/scheduler.ts";
import {
  DEFAULT_STDERR,
  DEFAULT_STDOUT,
  jobFile,
  MANIFEST,
  STAGING_DIR,
  SUBMIT_ENVIRONMENT,
  USER_SCRIPT,
} from "../schedulers/job_files.ts";
import type { Environment } from "../process/run_command.ts";
import {
  encodeEnvironment,
  keptEnvironment,
  passesEnvironmentOn,
} from "../schedulers/submit_environment.ts";
import { resolveJob } from "../store/resolve_job.ts";
import { holdForDependencies, holdsDependencies } from "./local_dependencies.ts";

export interface SubmitTarget {
  store: JobStore;
  cluster: string;
  scheduler: Scheduler;
  jobsDir: string;
}

export interface SubmitLineage {
  attempt: number;
  lineageId: string;
  previousAttemptId: string;
  notBefore: number | null;
}

/** Records and submits one job; returns the record as stored after submission. */
export async function submitJob(
  target: SubmitTarget,
  request: JobRequest,
  lineage?: SubmitLineage,
): Promise<JobRecord> {
  const record = validatedRecord(target, request, lineage);
  // The directory before the record: a full disk leaves no record behind.
  await prepareJobDir(target, record);
  target.store.insert(record);
  if (record.notBefore !== null) return record; // a retry waiting out its backoff
  if (heldByMolq(target, record) && !holdForDependencies(target.store, record)) {
    return target.store.get(record.jobId)!; // waiting for its upstream jobs (or ended)
  }
  return await handOver(target, record, undefined, { prepared: true });
}

/**
 * Validates and records a job (`created`) without submitting it and without its job
 * directory, which `handOver` makes (a retry is recorded inside a pass's transaction).
 */
export function recordJob(
  target: SubmitTarget,
  request: JobRequest,
  lineage?: SubmitLineage,
): JobRecord {
  const record = validatedRecord(target, request, lineage);
  target.store.insert(record);
  return record;
}

function validatedRecord(
  target: SubmitTarget,
  request: JobRequest,
  lineage?: SubmitLineage,
): JobRecord {
  target.scheduler.validate(request);
  if (!target.scheduler.runner.remote) {
    checkWorkdir(request.workdir);
    checkOutputDir("--stdout", request.stdoutPath);
    checkOutputDir("--stderr", request.stderrPath);
  }
  const dependencies = resolveDependencies(target, request);
  const resolved = {
    ...request,
    dependencies: dependencies.map(({ kind, jobId }) => ({ kind, jobId })),
  };
  return createRecord(target, resolved, lineage);
}

/** Submits an existing `created` record (also used for retries whose backoff is over). */
export async function handOver(
  target: SubmitTarget,
  record: JobRecord,
  dependencies = heldByMolq(target, record) ? [] : resolveDependencies(target, record.request),
  { prepared = false } = {},
): Promise<JobRecord> {
  try {
    // A later start (a retry) gets the environment its submission kept; one at submission
    // inherits it.
    const environment = prepared ? undefined : await prepareJobDir(target, record);
    // Submitted when handed over: the job cannot have started before this moment.
    const handedOverAt = Date.now();
    const { schedulerJobId, host } = await target.scheduler.submit(
      submitContextFor(record, dependencies, environment),
    );
    const now = Date.now();
    target.store.transition(
      record.jobId,
      "created",
      "submitted",
      {
        schedulerJobId,
        submittedAt: handedOverAt,
        notBefore: null,
        host: host?.hostname ?? null,
        bootId: host?.bootId ?? null,
      },
      `accepted as ${schedulerJobId}${host ? ` on ${host.hostname}` : ""}`,
      now,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = `Submission failed: ${message}`;
    target.store.transition(record.jobId, "created", "failed", {
      failureReason: reason,
      finishedAt: Date.now(),
    }, reason);
    throw error instanceof MolqError ? error : new MolqError(reason);
  }
  return target.store.get(record.jobId)!;
}

function createRecord(
  target: SubmitTarget,
  request: JobRequest,
  lineage: SubmitLineage | undefined,
): JobRecord {
  const jobId = crypto.randomUUID();
  const jobDir = join(target.jobsDir, jobId);
  const metadata = {
    ...request.metadata,
    [META_STDOUT]: request.stdoutPath ?? join(jobDir, DEFAULT_STDOUT),
    [META_STDERR]: request.stderrPath ?? join(jobDir, DEFAULT_STDERR),
    [META_JOB_DIR]: jobDir,
  };
  return {
    jobId,
    cluster: target.cluster,
    scheduler: target.scheduler.kind as SchedulerKind,
    schedulerJobId: null,
    state: "created",
    stateDetail: null,
    createdAt: Date.now(),
    submittedAt: null,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    failureReason: null,
    name: request.name ?? null,
    command: request.command,
    commandDisplay: displayCommand(request.command),
    cwd: request.workdir,
    jobDir,
    metadata,
    request,
    runLabel: request.runLabel ?? null,
    attempt: lineage?.attempt ?? 1,
    lineageId: lineage?.lineageId ?? jobId,
    previousAttemptId: lineage?.previousAttemptId ?? null,
    arrayJobId: null,
    arrayTaskId: null,
    notBefore: lineage?.notBefore ?? null,
    lastPolled: null,
    missingSince: null,
    missingPolls: 0,
    // A local job belongs to the host it is submitted on: a retry or a held job is started
    // there, not by whichever login node makes the next pass (submit records where it runs).
    host: localHostHere(target.scheduler),
    bootId: null,
  };
}

/**
 * The job directory where the job runs (this host or the cluster), with its manifest and,
 * for a job that a later process may start, the submitter's environment, which it returns.
 */
async function prepareJobDir(
  target: SubmitTarget,
  record: JobRecord,
): Promise<Environment | undefined> {
  const runner = target.scheduler.runner;
  // The job directory with the staging directory its script writes in (job_script.ts).
  await runner.makePrivateDir(jobFile(record.jobDir, STAGING_DIR));
  const environment = environmentToKeep(target, record);
  try {
    if (environment) {
      const text = encodeEnvironment(environment);
      await runner.writeFile(jobFile(record.jobDir, SUBMIT_ENVIRONMENT), text, 0o600);
    }
    const manifest = {
      job_id: record.jobId,
      cluster: record.cluster,
      scheduler: record.scheduler,
      created_at: new Date(record.createdAt).toISOString(),
      command: record.commandDisplay,
    };
    await runner.writeFile(
      jobFile(record.jobDir, MANIFEST),
      JSON.stringify(manifest, null, 2) + "\n",
      0o600,
    );
    const command = record.request.command;
    if (command.type === "script" || command.type === "inline") {
      const text = command.type === "script" ? Deno.readTextFileSync(command.path) : command.script;
      const script = text.startsWith("#!") ? text : `#!/bin/sh\n${text}`;
      await runner.writeFile(jobFile(record.jobDir, USER_SCRIPT), script, 0o700);
    }
  } catch (error) {
    // A full disk or an unwritable directory: say so plainly (no record was written yet).
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    throw new MolqError(`Cannot prepare the job directory ${record.jobDir}: ${why}.`);
  }
  return environment;
}

/**
 * What a job on this machine keeps of its submitter's environment (submit_environment.ts):
 * a retry, what its first attempt kept; a job that a later process may start (held for
 * its dependencies, retried, a local array whose launcher may be restarted), this
 * process's environment; any other, nothing (it starts now and inherits it).
 */
function environmentToKeep(target: SubmitTarget, record: JobRecord): Environment | undefined {
  if (target.scheduler.runner.remote || !passesEnvironmentOn(record.scheduler)) return undefined;
  if (record.previousAttemptId !== null) {
    const previous = target.store.get(record.previousAttemptId);
    return previous ? keptEnvironment(previous.jobDir) : undefined;
  }
  const { retry, scheduling } = record.request;
  const startsLater = heldByMolq(target, record) || (retry?.attempts ?? 1) > 1 ||
    (target.scheduler.kind === "local" && scheduling.array !== undefined);
  return startsLater ? Deno.env.toObject() : undefined;
}

function resolveDependencies(target: SubmitTarget, request: JobRequest) {
  return request.dependencies.map((dependency) => {
    const upstream = resolveJob(target.store, dependency.jobId, target.cluster);
    if (upstream.schedulerJobId === null && !holdsDependencies(target.scheduler)) {
      throw new UsageError(
        `Cannot depend on job "${dependency.jobId}": it was never accepted by the scheduler.`,
      );
    }
    return { ...dependency, jobId: upstream.jobId, schedulerJobId: upstream.schedulerJobId ?? "" };
  });
}

/** Local dependencies are held by molq: the scheduler never sees them. */
function heldByMolq(target: SubmitTarget, record: JobRecord): boolean {
  return holdsDependencies(target.scheduler) && record.request.dependencies.length > 0;
}

function checkWorkdir(workdir: string): void {
  try {
    if (Deno.statSync(workdir).isDirectory) return;
  } catch {
    // reported below
  }
  throw new UsageError(`Invalid --workdir ${workdir}: no such directory.`);
}

/** A job cannot create its log's directory: without it the job dies before it starts. */
function checkOutputDir(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  try {
    if (Deno.statSync(dirname(path)).isDirectory) return;
  } catch {
    // reported below
  }
  throw new UsageError(`Invalid ${flag} ${path}: the directory ${dirname(path)} does not exist.`);
}
