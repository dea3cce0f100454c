import assert from "node:assert/strict";
import { IMPORT_META, mapPythonJob, UnmappableJob } from "./python_record.ts";
import type { PythonJobRow } from "./python_store.ts";

const ID = "0b0b0b0b-0000-4000-8000-000000000001";

function row(overrides: Partial<PythonJobRow> = {}): PythonJobRow {
  return {
    job_id: ID,
    cluster_name: "cli_slurm",
    scheduler: "slurm",
    root_job_id: ID,
    attempt: 1,
    previous_attempt_job_id: null,
    retry_group_id: ID,
    scheduler_job_id: "42",
    state: "running",
    command_type: "argv",
    command_display: "python train.py",
    cwd: "/home/alice",
    submitted_at: 1_000.25,
    started_at: 1_001.5,
    finished_at: null,
    last_polled: 1_002,
    exit_code: null,
    failure_reason: null,
    metadata: "{}",
    request_json: JSON.stringify({ argv: ["python", "train.py"] }),
    profile_name: null,
    cleaned_at: null,
    ...overrides,
  };
}

const context = { cluster: "slurm", source: "/x/jobs.db", transitions: [], dependencies: [] };

Deno.test("mapPythonJob() maps resources, scheduling, execution and retry onto molq's request", () => {
  const request = {
    argv: ["python", "train.py"],
    resources: {
      cpu_count: 4,
      memory: "8G",
      time_limit: "2:00:00",
      gpu_count: 1,
      gpu_type: "a100",
    },
    scheduling: {
      partition: "gpu",
      account: "p1",
      qos: "high",
      reservation: "r",
      array_spec: "0-9%2",
      node_count: 2,
      exclusive_node: true,
      email: "alice@example.org",
      priority: null,
    },
    execution: {
      cwd: "/scratch/a",
      env: { OMP_NUM_THREADS: "4", N: 3 },
      job_name: "train",
      output_file: "/scratch/a/out.log",
      error_file: null,
    },
    retry: {
      max_attempts: 3,
      retry_on_exit_codes: [137],
      retry_on_states: ["failed"],
      backoff: { mode: "exponential", initial_seconds: 10, factor: 2, maximum_seconds: null },
    },
    metadata: { project: "x" },
  };
  const { record } = mapPythonJob(row({ request_json: JSON.stringify(request) }), context);
  assert.deepEqual(record.request.resources, {
    cpus: 4,
    memoryBytes: 8 * 1024 ** 3,
    timeLimitSeconds: 7200,
    gpus: 1,
    gpuType: "a100",
    nodes: 2,
    exclusive: true,
  });
  assert.deepEqual(record.request.scheduling, {
    partition: "gpu",
    account: "p1",
    qos: "high",
    reservation: "r",
    array: "0-9%2",
  });
  assert.deepEqual(record.request.env, { OMP_NUM_THREADS: "4", N: "3" });
  assert.equal(record.request.workdir, "/scratch/a");
  assert.equal(record.name, "train");
  assert.equal(record.request.stdoutPath, "/scratch/a/out.log");
  assert.equal(record.metadata["molq.stdout_path"], "/scratch/a/out.log");
  assert.equal(record.metadata["molq.stderr_path"], `/home/alice/.molq/jobs/${ID}/stderr.log`);
  assert.deepEqual(record.request.retry, { attempts: 3, onExitCodes: [137], backoffSeconds: 10 });
  assert.deepEqual(record.request.metadata, { project: "x" });
  assert.deepEqual(JSON.parse(record.metadata[IMPORT_META.unmapped]!), {
    "retry.retry_on_states": ["failed"],
    "scheduling.email": "alice@example.org",
  });
  assert.deepEqual(
    [record.submittedAt, record.startedAt, record.lastPolled],
    [1_000_250, 1_001_500, 1_002_000],
  );
});

Deno.test("mapPythonJob() rebuilds shell and script commands, and keeps what it cannot", () => {
  const shell = mapPythonJob(
    row({ command_type: "command", request_json: '{"command": "a | b"}' }),
    context,
  );
  assert.deepEqual(shell.record.command, { type: "shell", command: "a | b" });
  const script = mapPythonJob(
    row({ command_type: "script", request_json: '{"script": "/home/alice/run.sh"}' }),
    context,
  );
  assert.deepEqual(script.record.command, { type: "script", path: "/home/alice/run.sh" });
  const inline = mapPythonJob(
    row({ command_type: "script", request_json: '{"script": {"text": "#!/bin/sh\\necho hi"}}' }),
    context,
  );
  assert.deepEqual(inline.record.command, { type: "inline", script: "#!/bin/sh\necho hi" });
  const broken = mapPythonJob(row({ request_json: "not json" }), context);
  assert.deepEqual(broken.record.command, { type: "shell", command: "python train.py" });
  assert.deepEqual(JSON.parse(broken.record.metadata[IMPORT_META.unmapped]!), {
    request_json: "not json",
    command_type: "argv",
  });
});

Deno.test("mapPythonJob() maps dependencies and history, and synthesises one row if none", () => {
  const upstream = "0c0c0c0c-0000-4000-8000-000000000002";
  const { record, transitions } = mapPythonJob(row({ state: "queued" }), {
    ...context,
    dependencies: [
      {
        job_id: ID,
        dependency_job_id: upstream,
        dependency_type: "after_success",
        scheduler_dependency: "afterok:41",
      },
      {
        job_id: ID,
        dependency_job_id: upstream,
        dependency_type: "after_started",
        scheduler_dependency: "after:41",
      },
    ],
  });
  assert.deepEqual(record.request.dependencies, [
    { kind: "afterok", jobId: upstream },
    { kind: "afterstart", jobId: upstream },
  ]);
  assert.deepEqual(transitions.map((t) => [t.fromState, t.toState, t.at]), [[
    null,
    "queued",
    1_000_250,
  ]]);
  assert.equal(record.createdAt, 1_000_250);
  const withHistory = mapPythonJob(row(), {
    ...context,
    transitions: [
      {
        id: 1,
        job_id: ID,
        old_state: null,
        new_state: "created",
        timestamp: 999.5,
        reason: "job created",
      },
      {
        id: 2,
        job_id: ID,
        old_state: "created",
        new_state: "weird",
        timestamp: 1000,
        reason: null,
      },
    ],
  });
  assert.deepEqual(withHistory.transitions.map((t) => [t.toState, t.at, t.reason]), [
    ["created", 999_500, "job created"],
  ]);
  assert.equal(withHistory.record.createdAt, 999_500);
  assert.match(withHistory.record.metadata[IMPORT_META.unmapped]!, /"status_transitions"/);
});

Deno.test("mapPythonJob() refuses schedulers and states molq does not have", () => {
  assert.throws(() => mapPythonJob(row({ scheduler: "condor" }), context), UnmappableJob);
  assert.throws(
    () => mapPythonJob(row({ state: "held" }), context),
    (e: unknown) =>
      e instanceof UnmappableJob && e.jobId === ID && /unknown state "held"/.test(e.message),
  );
});
