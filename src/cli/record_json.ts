/** The stable machine-readable form of records for `--json`: snake_case keys, ISO times. */
import type { JobRecord, StateTransition } from "../core/job_record.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function recordToJson(record: JobRecord): Record<string, unknown> {
  return {
    job_id: record.jobId,
    cluster: record.cluster,
    scheduler: record.scheduler,
    scheduler_job_id: record.schedulerJobId,
    state: record.state,
    state_detail: record.stateDetail,
    name: record.name,
    command: record.commandDisplay,
    command_type: record.command.type,
    cwd: record.cwd,
    job_dir: record.jobDir,
    created_at: iso(record.createdAt),
    submitted_at: iso(record.submittedAt),
    started_at: iso(record.startedAt),
    finished_at: iso(record.finishedAt),
    exit_code: record.exitCode,
    failure_reason: record.failureReason,
    metadata: record.metadata,
    env_keys: Object.keys(record.request.env),
    run_label: record.runLabel,
    attempt: record.attempt,
    lineage_id: record.lineageId,
    previous_attempt_id: record.previousAttemptId,
    array_job_id: record.arrayJobId,
    array_task_id: record.arrayTaskId,
    dependencies: record.request.dependencies.map((d) => ({ kind: d.kind, job_id: d.jobId })),
    last_polled: iso(record.lastPolled),
    host: record.host,
    boot_id: record.bootId,
  };
}

/** What the job asked for (for `inspect --json`): every field, null when not asked. */
export function requestToJson(record: JobRecord): Record<string, unknown> {
  const r = record.request.resources;
  const s = record.request.scheduling;
  return {
    resources: {
      cpus: r.cpus ?? null,
      memory_bytes: r.memoryBytes ?? null,
      time_limit_seconds: r.timeLimitSeconds ?? null,
      gpus: r.gpus ?? null,
      gpu_type: r.gpuType ?? null,
      nodes: r.nodes ?? null,
      exclusive: r.exclusive ?? false,
    },
    scheduling: {
      partition: s.partition ?? null,
      account: s.account ?? null,
      qos: s.qos ?? null,
      reservation: s.reservation ?? null,
      array: s.array ?? null,
    },
    scheduler_args: [...record.request.extraArgs],
  };
}

export function transitionToJson(transition: StateTransition): Record<string, unknown> {
  return {
    from: transition.fromState,
    to: transition.toState,
    at: iso(transition.at),
    reason: transition.reason,
  };
}
