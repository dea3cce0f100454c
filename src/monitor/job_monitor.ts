/**
 * JobMonitor: blocking waits on top of reconciliation. Each look refreshes the cluster
 * through the shared pass (skipped when another process polled it recently) and then
 * reads the store; waits follow retry lineages to their latest attempt.
 */
import { WaitTimeoutError } from "../core/errors.ts";
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import type { JobStore } from "../store/job_store.ts";
import { FixedStrategy, type PollingStrategy } from "./polling_strategy.ts";

export interface WaitOptions {
  /** Give up after this many milliseconds (the jobs keep running). */
  timeoutMs?: number;
  strategy?: PollingStrategy;
  /** Called after every look, e.g. to show progress. */
  onProgress?: (records: JobRecord[]) => void;
  signal?: AbortSignal;
}

export class JobMonitor {
  constructor(
    readonly store: JobStore,
    /** Refreshes the clusters of these jobs (a shared, budgeted pass). */
    readonly refresh: (records: JobRecord[]) => Promise<void>,
  ) {}

  async waitOne(jobId: string, options: WaitOptions = {}): Promise<JobRecord> {
    const [record] = await this.waitMany([jobId], options);
    return record!;
  }

  /** Resolves with the final record of each job (its latest attempt), in the given order. */
  async waitMany(jobIds: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
    const strategy = options.strategy ?? new FixedStrategy(2_000);
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
      let records = this.latest(jobIds);
      const open = records.filter((r) => !isTerminal(r.state) || this.#retryPending(r));
      if (open.length > 0) {
        await this.refresh(open);
        records = this.latest(jobIds);
      }
      options.onProgress?.(records);
      if (records.every((r) => isTerminal(r.state) && !this.#retryPending(r))) return records;
      const elapsed = Date.now() - started;
      const timeoutMs = options.timeoutMs ?? Infinity;
      if (elapsed >= timeoutMs) {
        const waiting = records.filter((r) => !isTerminal(r.state)).length;
        throw new WaitTimeoutError(
          `Timed out after ${
            Math.round(elapsed / 1000)
          } s waiting for ${waiting} of ${records.length} jobs; they keep running.`,
        );
      }
      const delay = Math.min(strategy.nextDelayMs(elapsed, attempt), timeoutMs - elapsed);
      await sleep(Math.max(delay, 10), options.signal);
    }
  }

  /** The latest attempt of each job's lineage. */
  latest(jobIds: readonly string[]): JobRecord[] {
    return jobIds.map((jobId) => {
      const record = this.store.get(jobId);
      if (!record) throw new Error(`job ${jobId} vanished from the store`);
      const newest = this.store.prepare(
        "SELECT job_id FROM jobs WHERE lineage_id = ? ORDER BY attempt DESC LIMIT 1",
      ).get(record.lineageId) as { job_id: string } | undefined;
      return newest && newest.job_id !== jobId ? this.store.get(newest.job_id)! : record;
    });
  }

  /** A failed attempt whose retry is about to be created still counts as open. */
  #retryPending(record: JobRecord): boolean {
    const retry = record.request.retry;
    if (!retry || record.attempt >= retry.attempts) return false;
    if (record.state !== "failed" && record.state !== "timed_out") return false;
    return retry.onExitCodes.length === 0 || retry.onExitCodes.includes(record.exitCode ?? -1);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
