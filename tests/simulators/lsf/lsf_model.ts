/**
 * The LSF simulator's job model: what bsub stores, what a job's launcher records per
 * array element, and the element states bjobs reports (including forced UNKWN/ZOMBI and
 * the CLEAN_PERIOD after which finished jobs leave bjobs).
 */
import { join } from "node:path";
import type { IndexSpec } from "../common/index_spec.ts";
import { envNumber, exists, jobDir, readJson } from "../common/sim_state.ts";

export interface LsfJob {
  id: number;
  /** The name without its array brackets. */
  name: string;
  queue: string;
  project: string;
  user: string;
  slots: number;
  memLimit: string | null;
  runLimitMinutes: number | null;
  /** `-o`/`-oo` and `-e`/`-eo` as given (may hold %J and %I); null: mailed, not kept. */
  outputSpec: string | null;
  errorSpec: string | null;
  overwriteOutput: boolean;
  overwriteError: boolean;
  dependency: string | null;
  /** `-ti`: terminate at once when the dependency can never be satisfied. */
  orphanTerminate: boolean;
  array: (IndexSpec & { text: string }) | null;
  gpu: string | null;
  resources: string[];
  exclusive: boolean;
  cwd: string;
  script: string;
  submittedAt: number;
}

export type Stat = "PEND" | "RUN" | "DONE" | "EXIT";

export interface LsfRun {
  stat: Stat;
  pendReason?: string;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number;
  exitReason?: string;
  /** Set when bkill ended the job. */
  killedAt?: number;
  /** Measured by the launcher when the job ended (cpu_used, max_mem). */
  cpuSeconds?: number | null;
  peakRssKb?: number | null;
}

export interface ElementView {
  /** 0 for a job that is not an array. */
  index: number;
  stat: string;
  run: LsfRun | undefined;
}

export const EXIT_REASONS: Record<string, string> = {
  TERM_RUNLIMIT: "TERM_RUNLIMIT: job killed after reaching LSF run time limit",
  TERM_OWNER: "TERM_OWNER: job killed by owner",
  TERM_ORPHAN_SYSTEM: "TERM_ORPHAN_SYSTEM: orphan job was terminated automatically by LSF",
};

export function loadJob(state: string, id: number): LsfJob | undefined {
  return readJson<LsfJob>(join(jobDir(state, id), "job.json"));
}

export function runFile(state: string, id: number, index: number): string {
  return join(jobDir(state, id), `run.${index}.json`);
}

export function killMarker(state: string, id: number, index: number | null): string {
  return join(jobDir(state, id), index === null ? "bkill" : `bkill.${index}`);
}

export function pgidFile(state: string, id: number, index: number): string {
  return join(jobDir(state, id), `pgid.${index}`);
}

export function killRequested(state: string, id: number, index: number): boolean {
  return exists(killMarker(state, id, null)) || exists(killMarker(state, id, index));
}

export function elementsOf(job: LsfJob): number[] {
  return job.array ? job.array.indices : [0];
}

/**
 * Element states. A file `<state>/force/<id>` or `<state>/force/<id>[<index>]` holding a
 * state name (UNKWN, ZOMBI, USUSP, SSUSP, PSUSP, ...) overrides what the launcher recorded.
 */
export function elementViews(state: string, job: LsfJob): ElementView[] {
  return elementsOf(job).map((index) => {
    const run = readJson<LsfRun>(runFile(state, job.id, index));
    const forced = readForced(state, job.id, job.array ? index : null);
    return { index, run, stat: forced ?? run?.stat ?? "PEND" };
  });
}

function readForced(state: string, id: number, index: number | null): string | undefined {
  for (const name of index === null ? [`${id}`] : [`${id}[${index}]`, `${id}`]) {
    try {
      return Deno.readTextFileSync(join(state, "force", name)).trim();
    } catch {
      // not forced
    }
  }
  return undefined;
}

export function isFinished(view: ElementView): boolean {
  return view.run?.stat === "DONE" || view.run?.stat === "EXIT";
}

/** Finished elements leave bjobs CLEAN_PERIOD seconds after they end. */
export function cleanedUp(view: ElementView, now: number): boolean {
  const period = envNumber("LSF_SIM_CLEAN_PERIOD", 3600) * 1000;
  return isFinished(view) && now - (view.run?.endedAt ?? 0) > period;
}

/** `1234` or `1234[2]`. */
export function parseJobRef(text: string): { id: number; index: number | null } | undefined {
  const match = /^(\d+)(?:\[(\d+)\])?$/.exec(text.trim());
  if (!match) return undefined;
  return { id: Number(match[1]), index: match[2] === undefined ? null : Number(match[2]) };
}

/** The elements a reference names, or undefined when it names nothing. */
export function selectElements(
  job: LsfJob,
  index: number | null,
  views: readonly ElementView[],
): ElementView[] | undefined {
  if (index === null) return [...views];
  if (!job.array) return undefined;
  const view = views.find((v) => v.index === index);
  return view ? [view] : undefined;
}

/** `%J` and `%I` resolved, as LSF names each element's files. */
export function resolvePath(spec: string, job: LsfJob, index: number): string {
  return spec.replaceAll("%J", String(job.id)).replaceAll("%I", String(index));
}

export function elementName(job: LsfJob, index: number): string {
  return job.array ? `${job.name}[${index}]` : job.name;
}
