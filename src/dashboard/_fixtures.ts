/** Test fixtures for the dashboard: fixed records, a fake source and a fake terminal. */
import type { JobRecord, StateTransition } from "../core/job_record.ts";
import type { ListQuery } from "../store/job_store.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import type { DashboardSource, LogTail, RefreshResult } from "./source.ts";
import type { Terminal, TerminalSize } from "./terminal.ts";

export const NOW = Date.UTC(2025, 10, 25, 10, 0, 0);

/** A job id whose first 8 characters are `prefix` (padded with `0`). */
export function idFor(prefix: string): string {
  const head = prefix.padEnd(8, "0").slice(0, 8);
  return `${head}-0000-4000-8000-000000000000`;
}

export function job(prefix: string, overrides: Partial<JobRecord> = {}): JobRecord {
  const jobId = idFor(prefix);
  return sampleRecord({
    jobId,
    lineageId: jobId,
    createdAt: NOW - 60_000,
    jobDir: `/jobs/${prefix}`,
    metadata: {
      "molq.job_dir": `/jobs/${prefix}`,
      "molq.stdout_path": `/jobs/${prefix}/stdout.log`,
      "molq.stderr_path": `/jobs/${prefix}/stderr.log`,
    },
    ...overrides,
  });
}

/** Six jobs, newest first: running, queued, failed, an array of three tasks, succeeded. */
export function sampleJobs(): JobRecord[] {
  const array = idFor("dddd");
  return [
    job("aaaa", {
      cluster: "slurm",
      scheduler: "slurm",
      schedulerJobId: "1001",
      state: "running",
      name: "train",
      submittedAt: NOW - 600_000,
      startedAt: NOW - 125_000,
      createdAt: NOW - 1_000,
    }),
    job("bbbb", {
      cluster: "slurm",
      scheduler: "slurm",
      schedulerJobId: "1002",
      state: "queued",
      stateDetail: "Priority",
      commandDisplay: "python eval.py --split test",
      createdAt: NOW - 2_000,
    }),
    job("cccc", {
      state: "failed",
      schedulerJobId: "4242",
      exitCode: 137,
      failureReason: "out of memory",
      commandDisplay: "python big.py",
      startedAt: NOW - 4_000_000,
      finishedAt: NOW - 3_000_000,
      createdAt: NOW - 3_000,
    }),
    job("dddd", {
      cluster: "slurm",
      scheduler: "slurm",
      schedulerJobId: "2000",
      state: "running",
      name: "sweep",
      createdAt: NOW - 4_000,
    }),
    ...[0, 1, 2].map((task) =>
      job(`dd${task}`, {
        cluster: "slurm",
        scheduler: "slurm",
        schedulerJobId: `2000_${task}`,
        state: task === 0 ? "succeeded" : "running",
        exitCode: task === 0 ? 0 : null,
        name: "sweep",
        arrayJobId: array,
        arrayTaskId: String(task),
        startedAt: NOW - 60_000,
        finishedAt: task === 0 ? NOW - 30_000 : null,
        createdAt: NOW - 4_000,
      })
    ),
    job("eeee", {
      state: "succeeded",
      exitCode: 0,
      schedulerJobId: "4243",
      commandDisplay: "echo done",
      startedAt: NOW - 9_000,
      finishedAt: NOW - 7_000,
      createdAt: NOW - 9_000,
    }),
  ];
}

/** A DashboardSource over an array of records, recording what was asked of it. */
export class FakeSource implements DashboardSource {
  refreshes = 0;
  cancelled: string[] = [];
  logReads: string[] = [];
  queries: ListQuery[] = [];
  refreshResult: () => Promise<RefreshResult> = () => Promise.resolve({ errors: [] });
  logs = new Map<string, string>();
  history = new Map<string, StateTransition[]>();
  changeToken?: () => string;

  constructor(public records: JobRecord[] = sampleJobs()) {}

  refresh(): Promise<RefreshResult> {
    this.refreshes++;
    return this.refreshResult();
  }

  load(query: ListQuery): JobRecord[] {
    this.queries.push(query);
    return this.records.filter((r) =>
      (query.states === undefined || query.states.includes(r.state)) &&
      (query.jobIds === undefined || query.jobIds.includes(r.jobId)) &&
      (query.runLabel === undefined || r.runLabel === query.runLabel) &&
      (query.cluster === undefined || r.cluster === query.cluster)
    ).slice(0, query.limit);
  }

  get(jobId: string): JobRecord | undefined {
    return this.records.find((r) => r.jobId === jobId);
  }

  transitions(jobId: string): StateTransition[] {
    return this.history.get(jobId) ?? [];
  }

  /** What cancel() rejects with, if anything. */
  cancelError?: Error;

  cancel(jobId: string): Promise<void> {
    if (this.cancelError) return Promise.reject(this.cancelError);
    this.cancelled.push(jobId);
    return Promise.resolve();
  }

  readLogTail(path: string): Promise<LogTail> {
    this.logReads.push(path);
    const text = this.logs.get(path);
    return Promise.resolve({
      path,
      exists: text !== undefined,
      text: text ?? "",
      sizeBytes: text?.length ?? 0,
      partial: false,
    });
  }
}

/** A terminal that records writes and is fed key bytes by the test. */
export class FakeTerminal implements Terminal {
  writes: string[] = [];
  raw = false;
  rawChanges: boolean[] = [];
  signals = new Map<Deno.Signal, () => void>();
  tty = { stdout: true, stdin: true };
  #pending: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  #stopped = false;

  constructor(public dimensions: TerminalSize = { columns: 80, rows: 24 }) {}

  stdoutIsTerminal = () => this.tty.stdout;
  stdinIsTerminal = () => this.tty.stdin;
  size = () => this.dimensions;
  write = (text: string) => void this.writes.push(text);
  setRaw = (raw: boolean) => {
    this.raw = raw;
    this.rawChanges.push(raw);
  };

  onSignal(signal: Deno.Signal, handler: () => void): () => void {
    this.signals.set(signal, handler);
    return () => this.signals.delete(signal);
  }

  /** Types keys (a string is sent as its UTF-8 bytes, in one read). */
  type(text: string): void {
    this.#pending.push(new TextEncoder().encode(text));
    this.#wake?.();
  }

  /** Ends the input, as when stdin closes. */
  endInput(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  input() {
    const next = async (): Promise<Uint8Array | null> => {
      while (!this.#stopped) {
        const chunk = this.#pending.shift();
        if (chunk) return chunk;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
      return null;
    };
    return {
      chunks: {
        async *[Symbol.asyncIterator]() {
          for (let chunk = await next(); chunk !== null; chunk = await next()) yield chunk;
        },
      },
      stop: () => {
        this.#stopped = true;
        this.#wake?.();
        return Promise.resolve();
      },
    };
  }

  get output(): string {
    return this.writes.join("");
  }
}

/** Resolves after the loop has had a chance to handle what was pushed. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
