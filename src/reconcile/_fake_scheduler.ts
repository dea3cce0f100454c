/** Test helper: an in-memory scheduler whose answers the test sets, and a store around it. */
import { localRunner } from "../process/local_runner.ts";
import { join } from "../core/paths.ts";
import type { SchedulerKind } from "../core/job_record.ts";
import type { JobRequest } from "../core/job_request.ts";
import { JobStore } from "../store/job_store.ts";
import type {
  Observation,
  Scheduler,
  StatusReport,
  SubmitContext,
  SubmitResult,
  TrackedJob,
} from "../schedulers/scheduler.ts";
import type { SubmitTarget } from "./submit_job.ts";
import { JobReconciler } from "./job_reconciler.ts";

export class FakeScheduler implements Scheduler {
  readonly submitted: SubmitContext[] = [];
  readonly cancelled: string[] = [];
  /** By scheduler job id; a job without an entry is reported running. */
  readonly answers = new Map<string, Observation>();
  statusCalls = 0;
  #nextId = 100;

  readonly runner = localRunner;
  constructor(readonly kind: SchedulerKind = "slurm") {}

  validate(): void {}

  submit(context: SubmitContext): Promise<SubmitResult> {
    this.submitted.push(context);
    return Promise.resolve({ schedulerJobId: String(this.#nextId++) });
  }

  status(jobs: readonly TrackedJob[]): Promise<StatusReport> {
    this.statusCalls++;
    const observations = new Map<string, Observation>();
    for (const job of jobs) {
      observations.set(job.jobId, this.answers.get(job.schedulerJobId) ?? { state: "running" });
    }
    return Promise.resolve({ observations, newArrayTasks: [], commandCalls: 1 });
  }

  cancel(jobs: readonly TrackedJob[]): Promise<void> {
    this.cancelled.push(...jobs.map((j) => j.schedulerJobId));
    return Promise.resolve();
  }
}

export interface Harness {
  store: JobStore;
  scheduler: FakeScheduler;
  target: SubmitTarget;
  reconciler: JobReconciler;
  workdir: string;
  request(overrides?: Partial<JobRequest>): JobRequest;
  /** One forced pass (no minimum interval). */
  pass(): ReturnType<JobReconciler["reconcile"]>;
}

export function harness(kind: SchedulerKind = "slurm"): Harness {
  const base = Deno.makeTempDirSync({ prefix: "molq-reconcile-" });
  const store = JobStore.open(join(base, "jobs.db"));
  const scheduler = new FakeScheduler(kind);
  const reconciler = new JobReconciler(store, kind, scheduler, {
    minIntervalMs: 0,
    commandTimeoutMs: 1_000,
  });
  return {
    store,
    scheduler,
    reconciler,
    workdir: base,
    target: { store, cluster: kind, scheduler, jobsDir: join(base, "jobs") },
    request: (overrides = {}) => ({
      command: { type: "argv", argv: ["true"] },
      workdir: base,
      env: {},
      resources: {},
      scheduling: {},
      dependencies: [],
      metadata: {},
      extraArgs: [],
      ...overrides,
    }),
    pass: () => reconciler.reconcile({ force: true }),
  };
}
