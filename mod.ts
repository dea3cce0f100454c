/**
 * molq's library API for Deno scripts: submit jobs, follow them through the store, wait
 * with polling strategies, and reconcile with the scheduler.
 *
 * ```ts
 * import { Submitor } from "./mod.ts";
 * const submitor = new Submitor({ scheduler: "slurm" });
 * const job = await submitor.submit({ argv: ["python", "train.py"], cpus: 4, mem: "8G", time: "2h" });
 * const record = await job.wait({ timeoutMs: 3_600_000 });
 * console.log(record.state, record.exitCode);
 * ```
 * @module
 */
export { Submitor, type SubmitorOptions } from "./src/api/submitor.ts";
export { JobHandle } from "./src/api/job_handle.ts";
export type { JobSpec } from "./src/api/job_spec.ts";
export { Cluster, type ClusterSettings, openCluster } from "./src/api/cluster.ts";
export { createCluster } from "./src/api/create_cluster.ts";
export { JobStore, type ListQuery } from "./src/store/job_store.ts";
export { JobReconciler, type PassResult } from "./src/reconcile/job_reconciler.ts";
export { JobMonitor, type WaitOptions } from "./src/monitor/job_monitor.ts";
export {
  FixedStrategy,
  type PollContext,
  type PollingStrategy,
  type PollJob,
} from "./src/monitor/polling_strategy.ts";
export { ExponentialBackoffStrategy } from "./src/monitor/exponential_backoff_strategy.ts";
export { type AdaptiveOptions, AdaptiveStrategy } from "./src/monitor/adaptive_strategy.ts";
export { isTerminal, JOB_STATES, JobState, type JobStateConstants } from "./src/core/job_state.ts";
export type { JobRecord, SchedulerKind, StateTransition } from "./src/core/job_record.ts";
export { MolqError, UsageError, WaitTimeoutError } from "./src/core/errors.ts";
export type { Scheduler } from "./src/schedulers/scheduler.ts";
export {
  type DashboardExit,
  type DashboardSettings,
  MolqMonitor,
  type MolqMonitorOptions,
  RunDashboard,
  type RunDashboardOptions,
} from "./src/dashboard/run_dashboard.ts";
export type { JobUsage } from "./src/core/job_usage.ts";
export type { NotifyPolicy } from "./src/core/notify_policy.ts";
export { usageOf } from "./src/store/usage_rows.ts";
export { notificationsSettled } from "./src/notify/notifier.ts";
