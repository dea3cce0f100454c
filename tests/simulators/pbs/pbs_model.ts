/**
 * The PBS simulator's job model: what qsub stores, what a job's launcher records while it
 * runs, and how qstat derives job states from both (PBS Pro and Torque flavours).
 */
import { join } from "node:path";
import type { IndexSpec } from "../common/index_spec.ts";
import { envNumber, exists, jobDir, readJson } from "../common/sim_state.ts";

export type Flavour = "pro" | "torque";

export interface PbsDependency {
  kind: "after" | "afterok" | "afternotok" | "afterany";
  /** Referenced jobs as `1234` (plain) or `1234[]` (a whole array). */
  refs: string[];
}

export interface PbsJob {
  id: number;
  flavour: Flavour;
  server: string;
  name: string;
  owner: string;
  queue: string;
  account: string | null;
  cwd: string;
  script: string;
  resources: Record<string, string | number>;
  walltimeSeconds: number | null;
  /** As given (PBS Pro may hold `^array_index^`). */
  outputPath: string;
  errorPath: string;
  /** The array's indices and the spec as submitted (`0-3`). */
  array: (IndexSpec & { text: string }) | null;
  depends: PbsDependency[];
  submittedAt: number;
  submitArgs: string;
}

/** What the launcher records for a job or subjob. */
export interface PbsRun {
  phase: "H" | "R" | "F";
  startedAt?: number;
  endedAt?: number;
  exitStatus?: number;
  comment?: string;
  session?: number;
  /** Measured by the launcher when the job ended (resources_used.cput and .mem). */
  cpuSeconds?: number | null;
  peakRssKb?: number | null;
}

/** One job or subjob as qstat sees it. */
export interface TaskView {
  index: number | null;
  letter: string;
  run: PbsRun | undefined;
}

export function flavourFromEnv(): Flavour {
  return Deno.env.get("PBS_SIM_FLAVOUR") === "torque" ? "torque" : "pro";
}

export function serverName(flavour: Flavour): string {
  return Deno.env.get("PBS_SIM_SERVER") ?? (flavour === "torque" ? "host" : "server");
}

export function loadJob(state: string, id: number): PbsJob | undefined {
  return readJson<PbsJob>(join(jobDir(state, id), "job.json"));
}

function suffix(index: number | null): string {
  return index === null ? "" : `.${index}`;
}

export function runFile(state: string, id: number, index: number | null): string {
  return join(jobDir(state, id), `run${suffix(index)}.json`);
}

/** qdel leaves this marker; the job's launcher acts on it. */
export function deleteMarker(state: string, id: number, index: number | null): string {
  return join(jobDir(state, id), `qdel${suffix(index)}`);
}

export function pgidFile(state: string, id: number, index: number | null): string {
  return join(jobDir(state, id), `pgid${suffix(index)}`);
}

export function deleteRequested(state: string, id: number, index: number | null): boolean {
  return exists(deleteMarker(state, id, null)) ||
    (index !== null && exists(deleteMarker(state, id, index)));
}

export function tasksOf(job: PbsJob): (number | null)[] {
  return job.array ? job.array.indices : [null];
}

export function taskViews(state: string, job: PbsJob): TaskView[] {
  return tasksOf(job).map((index) => {
    const run = readJson<PbsRun>(runFile(state, job.id, index));
    return { index, run, letter: taskLetter(job, index, run) };
  });
}

function taskLetter(job: PbsJob, index: number | null, run: PbsRun | undefined): string {
  if (!run) return "Q";
  if (run.phase !== "F") return run.phase;
  if (job.flavour === "torque") return "C";
  return index === null ? "F" : "X";
}

export function isFinished(letter: string): boolean {
  return letter === "F" || letter === "X" || letter === "C";
}

/** The state of an array as a whole: Q until a subjob leaves the queue, B, then F (or C). */
export function arrayLetter(job: PbsJob, tasks: readonly TaskView[]): string {
  if (tasks.every((t) => isFinished(t.letter))) return job.flavour === "torque" ? "C" : "F";
  if (tasks.every((t) => t.letter === "Q" || t.letter === "H")) return tasks[0]?.letter ?? "Q";
  return job.flavour === "torque" ? "R" : "B";
}

/** PBS Pro: an array's Exit_status is 0 when every subjob exited 0, else 1. */
export function arrayExitStatus(tasks: readonly TaskView[]): number | undefined {
  if (!tasks.every((t) => isFinished(t.letter))) return undefined;
  const statuses = tasks.map((t) => t.run?.exitStatus).filter((s) => s !== undefined);
  return statuses.every((s) => s === 0) ? 0 : 1;
}

export function lastEnded(tasks: readonly TaskView[]): number {
  return Math.max(0, ...tasks.map((t) => t.run?.endedAt ?? 0));
}

/** How long a finished job stays visible to qstat, in ms (Infinity = kept). */
export function retentionMs(flavour: Flavour): number {
  if (flavour === "torque") return envNumber("TORQUE_SIM_KEEP_COMPLETED", 5) * 1000;
  return Deno.env.get("PBS_SIM_HISTORY") === "1" ? Infinity : 0;
}

/** A job reference as users type it: `1234`, `1234.server`, `1234[]`, `1234[7].server`. */
export interface JobRef {
  id: number;
  /** null: a plain job; "all": the array itself; a number: one subjob. */
  index: number | null | "all";
}

export function parseJobRef(text: string): JobRef | undefined {
  const match = /^(\d+)(?:\[(\d*)\])?(?:\.[^\s]*)?$/.exec(text);
  if (!match) return undefined;
  const index = match[2] === undefined ? null : match[2] === "" ? "all" : Number(match[2]);
  return { id: Number(match[1]), index };
}

export function formatJobId(job: PbsJob, index: number | null | "all"): string {
  const bracket = index === null ? "" : index === "all" ? "[]" : `[${index}]`;
  return `${job.id}${bracket}.${job.server}`;
}

/** Whether a reference names something that exists in this job. */
export function refMatches(job: PbsJob, ref: JobRef): boolean {
  if (ref.index === null) return job.array === null;
  if (job.array === null) return false;
  return ref.index === "all" || job.array.indices.includes(ref.index);
}

/** The file a job or subjob really writes its stdout or stderr to. */
export function taskOutputPath(job: PbsJob, which: "o" | "e", index: number | null): string {
  const given = which === "o" ? job.outputPath : job.errorPath;
  if (index === null) return given;
  if (job.flavour === "pro") return given.replaceAll("^array_index^", String(index));
  return `${given}-${index}`; // Torque appends the array index to each subjob's file
}
