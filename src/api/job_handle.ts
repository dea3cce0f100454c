/** JobHandle: a submitted job as seen from a script. */
import type { JobRecord } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";
import type { Submitor } from "./submitor.ts";
import type { WaitOptions } from "../monitor/job_monitor.ts";

/** A submitted job as seen from a script: its record, a refresh, `wait` and `cancel`. */
export class JobHandle {
  constructor(readonly submitor: Submitor, readonly jobId: string) {}

  /** The stored record (no scheduler query). */
  record(): JobRecord {
    return this.submitor.get(this.jobId);
  }

  /** The stored state (no scheduler query). */
  status(): JobState {
    return this.record().state;
  }

  /** Reconciles this job's cluster (budgeted) and returns the fresh record. */
  async refresh(): Promise<JobRecord> {
    await this.submitor.refresh();
    return this.record();
  }

  /**
   * Waits until the job (or its latest retry) is final and returns that record. With a
   * timeout, throws WaitTimeoutError when it runs out; the job is not cancelled.
   */
  async wait(options: WaitOptions = {}): Promise<JobRecord> {
    const [record] = await this.submitor.watch([this.jobId], options);
    return record!;
  }

  /** Cancels the job; throws if it already finished. */
  cancel(): Promise<JobRecord> {
    return this.submitor.cancel(this.jobId);
  }
}
