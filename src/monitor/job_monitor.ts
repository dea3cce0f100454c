/**
 * JobMonitor: blocking waits on top of reconciliation. Each look refreshes the clusters
 * of the open jobs through the shared pass (skipped when another process polled them
 * recently) and then reads the store. Waits follow retry lineages to their latest attempt;
 * a retry is recorded in the same transaction as the failure it follows, so a final
 * latest attempt really is the end of its lineage.
 */
import { WaitTimeoutError } from "../core/errors.ts";
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import type { JobStore } from "../store/job_store.ts";
import { FixedStrategy, type PollContext, type PollingStrategy } from "./polling_strategy.ts";
import { after } from "../core/timers.ts";

/** How long and how to wait: a timeout, a polling strategy, progress, an abort signal. */
export interface WaitOptions {
  /** Give up after this many milliseconds (the jobs keep running). */
  timeoutMs?: number;
  /** Default: a look every 2 s. */
  strategy?: PollingStrategy;
  /** Called after every look, e.g. to show progress. */
  onProgress?: (records: JobRecord[]) => void;
  /** Aborting stops the wait (rejecting with the signal's reason); the jobs keep running. */
  signal?: AbortSignal;
  /** Stop waiting for a job this says is settled before it ends (one that can never start). */
  settled?: (record: JobRecord) => boolean;
}

/** Time as the monitor sees it; tests inject one that does not really sleep. */
export interface MonitorClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: MonitorClock = { now: () => Date.now(), sleep };

const DEFAULT_STRATEGY = new FixedStrategy(2_000);
/** Never spin: the shortest sleep between looks. */
const MIN_SLEEP_MS = 10;

/** Blocking waits on top of reconciliation, following retries to their latest attempt. */
export class JobMonitor {
  constructor(
    readonly store: JobStore,
    /** Refreshes the clusters of these jobs (a shared, budgeted pass). */
    readonly refresh: (records: JobRecord[]) => Promise<void>,
    readonly clock: MonitorClock = SYSTEM_CLOCK,
  ) {}

  async waitOne(jobId: string, options: WaitOptions = {}): Promise<JobRecord> {
    const [record] = await this.waitMany([jobId], options);
    return record!;
  }

  /** Resolves with the final record of each job (its latest attempt), in the given order. */
  async waitMany(jobIds: readonly string[], options: WaitOptions = {}): Promise<JobRecord[]> {
    const strategy = options.strategy ?? DEFAULT_STRATEGY;
    const timeoutMs = options.timeoutMs ?? Infinity;
    const started = this.clock.now();
    const isOpen = (record: JobRecord) =>
      !isTerminal(record.state) && !(options.settled?.(record) ?? false);
    for (let attempt = 0;; attempt++) {
      options.signal?.throwIfAborted();
      let records = this.latest(jobIds);
      if (records.some(isOpen)) {
        await this.refresh(records.filter(isOpen));
        records = this.latest(jobIds);
      }
      options.onProgress?.(records);
      const open = records.filter(isOpen);
      if (open.length === 0) return records;
      const now = this.clock.now();
      const elapsed = now - started;
      if (elapsed >= timeoutMs) {
        throw new WaitTimeoutError(
          `Timed out after ${
            Math.round(elapsed / 1000)
          } s waiting for ${open.length} of ${records.length} jobs; they keep running.`,
        );
      }
      const context: PollContext = {
        now,
        jobs: open.map((r) => ({
          state: r.state,
          startedAt: r.startedAt,
          timeLimitSeconds: r.request.resources.timeLimitSeconds ?? null,
        })),
      };
      const wanted = Math.max(strategy.nextDelayMs(elapsed, attempt, context), MIN_SLEEP_MS);
      await this.clock.sleep(Math.min(wanted, timeoutMs - elapsed), options.signal);
    }
  }

  /** The latest attempt of each job's lineage. */
  latest(jobIds: readonly string[]): JobRecord[] {
    return jobIds.map((jobId) => {
      const record = this.store.get(jobId);
      if (!record) throw new Error(`job ${jobId} vanished from the store`);
      return this.store.latestAttempt(record);
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = after(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
