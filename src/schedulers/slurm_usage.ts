/**
 * What SLURM's accounting says a job used: `sacct -P -n --units=M` with the allocation row
 * and its step rows (`.batch`, `.extern`, `.0`), folded into one usage per job. The traps
 * (HOSTS.md §3): MaxRSS is per task and lives on step rows; TRESUsageInTot's `mem=` is the
 * sum over a step's tasks; the memory allocated is AllocTRES's `mem=` (ReqMem's `c`/`n`
 * suffixes are gone since 21.08); TotalCPU prints as MM:SS.mmm, HH:MM:SS or D-HH:MM:SS, and
 * reads 00:00:00 when nothing gathered it.
 */
import { MolqError } from "../core/errors.ts";
import { emptyUsage, type JobUsage } from "../core/job_usage.ts";
import { slurmState } from "./slurm_states.ts";
import { isTerminal } from "../core/job_state.ts";

export const SACCT_USAGE_FIELDS = [
  "JobIDRaw",
  "JobID",
  "State",
  "ElapsedRaw",
  "TimelimitRaw",
  "TotalCPU",
  "AllocCPUS",
  "NNodes",
  "NTasks",
  "AllocTRES",
  "ReqMem",
  "MaxRSS",
  "TRESUsageInTot",
] as const;
export const SACCT_USAGE_FORMAT = SACCT_USAGE_FIELDS.join(",");

/** One job's accounting, folded over its rows. Null: the field was empty or unreadable. */
export interface SlurmAccounting {
  /** The allocation row's JobID: `313`, or `315_0` for an array task. */
  jobId: string;
  state: string;
  /** The allocation row is in a final state (otherwise its figures still grow). */
  final: boolean;
  elapsedSeconds: number | null;
  timeLimitSeconds: number | null;
  totalCpuSeconds: number | null;
  allocCpus: number | null;
  nodes: number | null;
  /** AllocTRES `mem=` of the allocation row. */
  allocMemBytes: number | null;
  /** ReqMem, per-CPU and per-node forms multiplied out. */
  reqMemBytes: number | null;
  /** The largest MaxRSS of any step (its largest task). */
  maxRssBytes: number | null;
  /** The largest TRESUsageInTot `mem=` of any step (its tasks summed). */
  stepMemBytes: number | null;
  /** Some step carries gathered figures (TRESUsageInTot): TotalCPU can be believed. */
  gathered: boolean;
  steps: number;
  /** Every step row is in a final state. */
  stepsFinal: boolean;
}

const JOB_ID = /^(\d+(?:_\d+)?(?:\+\d+)?)(?:\.([\w-]+))?$/;
const UNIT_POWER: Record<string, number> = { "": 2, K: 1, M: 2, G: 3, T: 4, P: 5 };

/** Parses sacct's usage lines; throws on a line molq cannot read. */
export function parseSacctUsage(stdout: string): Map<string, SlurmAccounting> {
  const jobs = new Map<string, SlurmAccounting>();
  const lines = stdout.split("\n").map((line) => line.trimEnd()).filter((line) => line !== "");
  for (const line of lines) {
    const fields = line.split("|");
    if (fields.length !== SACCT_USAGE_FIELDS.length) throw garbage(line);
    const [
      ,
      jobIdText,
      state,
      elapsed,
      limit,
      totalCpu,
      cpus,
      nodes,
      ,
      tres,
      reqMem,
      maxRss,
      usage,
    ] = fields.map((field) => field.trim()) as string[];
    const id = JOB_ID.exec(jobIdText!);
    if (!id) throw garbage(line);
    const base = id[1]!;
    const job = jobs.get(base) ?? emptyAccounting(base);
    jobs.set(base, job);
    const stateName = /^([A-Z_]+)/.exec(state!)?.[1] ?? "";
    const final = isFinalState(stateName);
    if (id[2] === undefined) {
      job.state = stateName;
      job.final = final;
      job.elapsedSeconds = wholeNumber(elapsed!);
      job.timeLimitSeconds = minutesToSeconds(limit!);
      job.totalCpuSeconds = parseSlurmCpuTime(totalCpu!);
      job.allocCpus = wholeNumber(cpus!);
      job.nodes = wholeNumber(nodes!);
      job.allocMemBytes = tresMemory(tres!);
      job.reqMemBytes = parseReqMem(reqMem!, job.allocCpus, job.nodes);
      continue;
    }
    job.steps++;
    job.stepsFinal &&= final;
    job.maxRssBytes = larger(job.maxRssBytes, parseSlurmMemory(maxRss!));
    const stepMem = tresMemory(usage!);
    job.stepMemBytes = larger(job.stepMemBytes, stepMem);
    if (usage !== "") job.gathered = true;
  }
  return jobs;
}

/**
 * The figures molq keeps, each with its source. `requestedBytes` is what the user asked for
 * (`--mem`), preferred over ReqMem when the allocation row names no memory.
 */
export function slurmUsage(accounting: SlurmAccounting, requestedBytes: number | null): JobUsage {
  const usage = emptyUsage();
  const set = <K extends keyof JobUsage>(
    key: K,
    figure: keyof JobUsage["sources"],
    value: JobUsage[K] | null,
    source: string,
  ) => {
    if (value === null) return;
    usage[key] = value as JobUsage[K];
    usage.sources[figure] = source;
  };
  set("elapsedSeconds", "elapsed", accounting.elapsedSeconds, "sacct ElapsedRaw");
  // Without gathered figures, TotalCPU reads 00:00:00 whatever the job did.
  const cpu = accounting.gathered ? accounting.totalCpuSeconds : null;
  set("cpuSeconds", "cpu", cpu, "sacct TotalCPU");
  set("cpus", "cpus", accounting.allocCpus, "sacct AllocCPUS");
  if (accounting.stepMemBytes !== null) {
    set(
      "peakMemoryBytes",
      "memory",
      accounting.stepMemBytes,
      "sacct TRESUsageInTot mem (largest step, its tasks summed)",
    );
  } else {
    set("peakMemoryBytes", "memory", accounting.maxRssBytes, "sacct MaxRSS (largest task)");
  }
  if (accounting.allocMemBytes !== null) {
    set("memoryRequestBytes", "memoryRequest", accounting.allocMemBytes, "sacct AllocTRES mem");
  } else if (requestedBytes !== null) {
    set("memoryRequestBytes", "memoryRequest", requestedBytes, "molq request (--mem)");
  } else {
    set("memoryRequestBytes", "memoryRequest", accounting.reqMemBytes, "sacct ReqMem");
  }
  set("timeLimitSeconds", "timeLimit", accounting.timeLimitSeconds, "sacct TimelimitRaw");
  return usage;
}

/**
 * Accounting has caught up: the allocation and every step are final and the memory peak is
 * in — or the job never ran, so nothing more will come.
 */
export function accountingComplete(accounting: SlurmAccounting): boolean {
  if (!accounting.final) return false;
  if (accounting.steps === 0) return accounting.elapsedSeconds === 0;
  return accounting.stepsFinal &&
    (accounting.maxRssBytes !== null || accounting.stepMemBytes !== null);
}

/** `00:01.695` (MM:SS.mmm), `01:02:03`, `1-02:03:04` → seconds; null when unreadable. */
export function parseSlurmCpuTime(text: string): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return null;
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 +
    Number(seconds);
}

/** `214.68M`, `0.50M`, `1.5G`, `300K`, `0` (with `--units=M`, a bare number is MiB). */
export function parseSlurmMemory(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([KMGTP]?)$/.exec(text.trim());
  if (!match) return null;
  const bytes = Number(match[1]) * 1024 ** UNIT_POWER[match[2]!]!;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : null;
}

/** The `mem=` of a TRES string (`cpu=2,mem=400M,node=1`); 0 means none was counted. */
export function tresMemory(tres: string): number | null {
  const value = /(?:^|,)mem=([^,]+)/.exec(tres)?.[1];
  const bytes = value === undefined ? null : parseSlurmMemory(value);
  return bytes === null || bytes === 0 ? null : bytes;
}

/** ReqMem: `400M` (the job's, since 21.08), `4000Mc` per CPU, `64000Mn` per node. */
export function parseReqMem(text: string, cpus: number | null, nodes: number | null) {
  const match = /^(.*?)([cn]?)$/.exec(text.trim())!;
  const bytes = parseSlurmMemory(match[1]!);
  if (bytes === null || bytes === 0) return null;
  if (match[2] === "c") return cpus === null ? null : bytes * cpus;
  if (match[2] === "n") return nodes === null ? null : bytes * nodes;
  return bytes;
}

function isFinalState(name: string): boolean {
  const outcome = slurmState(name)?.outcome;
  return outcome !== undefined && outcome !== "keep" && isTerminal(outcome);
}

function emptyAccounting(jobId: string): SlurmAccounting {
  return {
    jobId,
    state: "",
    final: false,
    elapsedSeconds: null,
    timeLimitSeconds: null,
    totalCpuSeconds: null,
    allocCpus: null,
    nodes: null,
    allocMemBytes: null,
    reqMemBytes: null,
    maxRssBytes: null,
    stepMemBytes: null,
    gathered: false,
    steps: 0,
    stepsFinal: true,
  };
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/** TimelimitRaw is in minutes; UNLIMITED, Partition_Limit and empty are no limit molq knows. */
function minutesToSeconds(text: string): number | null {
  const minutes = wholeNumber(text);
  return minutes === null ? null : minutes * 60;
}

/** The larger figure; a memory reading of 0 (nothing sampled) counts as none. */
function larger(a: number | null, b: number | null): number | null {
  if (b === 0) b = null;
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

function garbage(line: string): MolqError {
  return new MolqError(
    `sacct printed a usage line molq cannot read: ${JSON.stringify(line.slice(0, 120))}.`,
  );
}
