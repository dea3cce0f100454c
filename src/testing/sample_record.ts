/** A complete JobRecord for tests, with any fields overridden. */
import type { JobRecord } from "../core/job_record.ts";

export function sampleRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  const jobId = overrides.jobId ?? crypto.randomUUID();
  return {
    jobId,
    cluster: "local",
    scheduler: "local",
    schedulerJobId: null,
    state: "created",
    stateDetail: null,
    createdAt: Date.now(),
    submittedAt: null,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    failureReason: null,
    name: null,
    command: { type: "argv", argv: ["true"] },
    commandDisplay: "true",
    cwd: "/tmp",
    jobDir: `/tmp/jobs/${jobId}`,
    metadata: { "molq.job_dir": `/tmp/jobs/${jobId}` },
    request: {
      command: { type: "argv", argv: ["true"] },
      workdir: "/tmp",
      env: {},
      resources: {},
      scheduling: {},
      dependencies: [],
      metadata: {},
      extraArgs: [],
    },
    runLabel: null,
    attempt: 1,
    lineageId: jobId,
    previousAttemptId: null,
    arrayJobId: null,
    arrayTaskId: null,
    notBefore: null,
    lastPolled: null,
    missingSince: null,
    missingPolls: 0,
    host: null,
    bootId: null,
    ...overrides,
  };
}
