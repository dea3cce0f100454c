/**
 * Builds benchmark stores on the real schema: realistic records written in one
 * transaction through JobStore.prepare, 70 % terminal and 30 % active by default.
 */
import type { JobRecord, SchedulerKind } from "../src/core/job_record.ts";
import type { JobState } from "../src/core/job_state.ts";
import { JobStore } from "../src/store/job_store.ts";
import { insertJobSql, insertValues } from "../src/store/job_row.ts";
import type { RunningLocalJobs } from "./local_jobs.ts";

const DAY_MS = 86_400_000;

export interface SeedOptions {
  /** How many records. */
  count: number;
  /** Share of records in a terminal state (0..1); default 0.7. */
  terminalShare?: number;
  /** Clusters and their share of the records; default mostly slurm, some local and pbs. */
  clusters?: { name: string; scheduler: SchedulerKind; share: number }[];
  /** Records are created evenly over this many days before `now`; default 120. */
  spreadDays?: number;
  /** Age of the newest record in days (to make a store of old records); default 0. */
  minAgeDays?: number;
  /** First scheduler job id (SLURM-like ids count up from it); default 1_000_000. */
  firstSchedulerId?: number;
  now?: number;
  /** Seed for the pseudo-random mix, so runs compare like with like. */
  seed?: number;
  /**
   * Running local jobs (bench/local_jobs.ts): the newest records, on the cluster `local`;
   * every other record is then finished.
   */
  runningLocal?: RunningLocalJobs;
}

const DEFAULT_CLUSTERS = [
  { name: "slurm", scheduler: "slurm" as const, share: 0.6 },
  { name: "local", scheduler: "local" as const, share: 0.3 },
  { name: "pbs", scheduler: "pbs" as const, share: 0.1 },
];

const ACTIVE_MIX: [JobState, number][] = [["submitted", 0.1], ["queued", 0.5], ["running", 0.4]];
const TERMINAL_MIX: [JobState, number][] = [
  ["succeeded", 0.75],
  ["failed", 0.13],
  ["cancelled", 0.06],
  ["timed_out", 0.05],
  ["lost", 0.01],
];

/** Writes `options.count` records (with 1-4 transitions each) into the store at `path`. */
export function seedStore(path: string, options: SeedOptions): { jobIds: string[] } {
  const store = JobStore.open(path);
  try {
    return store.write(() => insertRecords(store, options));
  } finally {
    store.close();
  }
}

function insertRecords(store: JobStore, options: SeedOptions): { jobIds: string[] } {
  const random = mulberry32(options.seed ?? 42);
  const now = options.now ?? Date.now();
  const clusters = options.clusters ?? DEFAULT_CLUSTERS;
  const terminalShare = options.terminalShare ?? 0.7;
  const spreadMs = (options.spreadDays ?? 120) * DAY_MS;
  const newestAt = now - (options.minAgeDays ?? 0) * DAY_MS;
  const insertJob = store.prepare(insertJobSql());
  const insertTransition = store.prepare(
    "INSERT INTO transitions (job_id, from_state, to_state, at, reason) VALUES (?, ?, ?, ?, ?)",
  );
  const jobIds: string[] = [];
  let schedulerId = options.firstSchedulerId ?? 1_000_000;
  const running = options.runningLocal?.jobs ?? [];
  const finished = options.count - running.length;
  for (let i = 0; i < options.count; i++) {
    // Oldest first, so creation order matches scheduler id order as on a real cluster.
    const createdAt = Math.round(newestAt - spreadMs + (spreadMs * (i + 1)) / options.count);
    const cluster = pick(random, clusters.map((c) => [c, c.share]));
    const local = running[i - finished];
    const state = options.runningLocal
      ? pick(random, TERMINAL_MIX)
      : random() < terminalShare
      ? pick(random, TERMINAL_MIX)
      : pick(random, ACTIVE_MIX);
    const record = local
      ? runningLocalRecord(random, local, options.runningLocal!)
      : makeRecord(random, {
        createdAt,
        cluster: cluster.name,
        scheduler: cluster.scheduler,
        state,
        schedulerJobId: String(schedulerId++),
      });
    insertJob.run(...insertValues(record));
    for (const t of history(record)) {
      insertTransition.run(record.jobId, t.from, t.to, t.at, t.reason);
    }
    jobIds.push(record.jobId);
  }
  return { jobIds };
}

interface RecordSeed {
  createdAt: number;
  cluster: string;
  scheduler: SchedulerKind;
  state: JobState;
  schedulerJobId: string;
}

/** A record as a submission and a few polls would leave it. */
export function makeRecord(random: () => number, seed: RecordSeed): JobRecord {
  const jobId = uuidFrom(random);
  const jobDir = `/scratch/user/project/.molq/jobs/${jobId}`;
  const lr = (random() * 0.1).toFixed(4);
  const argv = ["python", "train.py", "--lr", lr, "--epochs", "50", "--data", "/scratch/data/set"];
  const submittedAt = seed.createdAt + 150;
  const started = seed.state === "running" || isEnded(seed.state);
  // A batch scheduler reports whole seconds (squeue's %S), and molq records what it reports.
  const unit = seed.scheduler === "local" ? 1 : 1000;
  const startedAt = started
    ? Math.ceil((submittedAt + Math.round(random() * 600_000)) / unit) * unit
    : null;
  const finishedAt = isEnded(seed.state)
    ? startedAt! + Math.round(random() * 7_200_000)
    : seed.state === "lost"
    ? submittedAt + 3_600_000
    : null;
  const exitCode = seed.state === "succeeded" ? 0 : seed.state === "failed" ? 1 : null;
  const request = {
    command: { type: "argv" as const, argv },
    name: `sweep-${jobId.slice(0, 4)}`,
    workdir: "/scratch/user/project",
    env: { OMP_NUM_THREADS: "4" },
    resources: { cpus: 4, memoryBytes: 8 * 1024 ** 3, timeLimitSeconds: 7200 },
    scheduling: { partition: "compute", account: "proj123" },
    dependencies: [],
    metadata: { experiment: "bench" },
    runLabel: "bench-run",
    extraArgs: [],
  };
  return {
    jobId,
    cluster: seed.cluster,
    scheduler: seed.scheduler,
    schedulerJobId: seed.schedulerJobId,
    state: seed.state,
    stateDetail: seed.state === "queued" ? "Priority" : null,
    createdAt: seed.createdAt,
    submittedAt,
    startedAt,
    finishedAt,
    exitCode,
    failureReason: seed.state === "failed"
      ? "The job exited with code 1."
      : seed.state === "lost"
      ? "The scheduler, its accounting and the job's own files have not known this job for 3 polls (2 min)."
      : null,
    name: request.name,
    command: request.command,
    commandDisplay: argv.join(" "),
    cwd: request.workdir,
    jobDir,
    metadata: {
      experiment: "bench",
      "molq.stdout_path": `${jobDir}/stdout.log`,
      "molq.stderr_path": `${jobDir}/stderr.log`,
      "molq.job_dir": jobDir,
    },
    request,
    runLabel: request.runLabel,
    attempt: 1,
    lineageId: jobId,
    previousAttemptId: null,
    arrayJobId: null,
    arrayTaskId: null,
    notBefore: null,
    lastPolled: finishedAt ?? seed.createdAt + 60_000,
    missingSince: null,
    missingPolls: 0,
    host: null,
    bootId: null,
  };
}

/** A running local job as its first pass left it: started, on this host. */
function runningLocalRecord(
  random: () => number,
  job: RunningLocalJobs["jobs"][number],
  jobs: RunningLocalJobs,
): JobRecord {
  const createdAt = job.startedAt - 300;
  const record = makeRecord(random, {
    createdAt,
    cluster: "local",
    scheduler: "local",
    state: "running",
    schedulerJobId: String(job.pid),
  });
  const cwd = job.jobDir.replace(/\/[^/]+$/, "");
  return {
    ...record,
    jobId: job.jobId,
    lineageId: job.jobId,
    startedAt: job.startedAt,
    cwd,
    jobDir: job.jobDir,
    metadata: {
      experiment: "bench",
      "molq.stdout_path": `${job.jobDir}/stdout.log`,
      "molq.stderr_path": `${job.jobDir}/stderr.log`,
      "molq.job_dir": job.jobDir,
    },
    request: { ...record.request, workdir: cwd },
    lastPolled: job.startedAt,
    host: jobs.host.hostname,
    bootId: jobs.host.bootId,
  };
}

function isEnded(state: JobState): boolean {
  return state === "succeeded" || state === "failed" || state === "cancelled" ||
    state === "timed_out";
}

function history(r: JobRecord) {
  const steps: { from: JobState | null; to: JobState; at: number; reason: string | null }[] = [
    { from: null, to: "created", at: r.createdAt, reason: "recorded" },
  ];
  const add = (to: JobState, at: number, reason: string | null = null) =>
    steps.push({ from: steps[steps.length - 1]!.to, to, at, reason });
  add("submitted", r.submittedAt!, `accepted as ${r.schedulerJobId}`);
  if (r.state === "submitted") return steps;
  add("queued", r.submittedAt! + 1_000);
  if (r.startedAt !== null) add("running", r.startedAt);
  if (r.finishedAt !== null) add(r.state, r.finishedAt, r.failureReason);
  return steps;
}

function pick<T>(random: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let x = random() * total;
  for (const [value, weight] of weighted) {
    x -= weight;
    if (x < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** A v4-shaped UUID from the seeded generator (crypto.randomUUID cannot be seeded). */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(random() * 4)]!;
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** A small, fast, seedable PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
