/**
 * Pure parsers for PBS output: the id qsub prints, `qstat --version` (which flavour),
 * `qstat -f -F json` (PBS Pro), `qstat -f -1` text (Torque) and qstat's unknown-id errors.
 */
import { MolqError } from "../core/errors.ts";

export type PbsFlavour = "pro" | "torque";

/** One job, subjob or array as qstat reports it. */
export interface PbsJobStatus {
  /** As qstat prints it: `1234.server`, `1234[].server`, `1234[7].server`. */
  id: string;
  state: string;
  exitStatus: number | null;
  comment: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  outputPath: string | null;
  errorPath: string | null;
  walltimeLimitSeconds: number | null;
  walltimeUsedSeconds: number | null;
  /** `resources_used.*` as printed, without the prefix (`cput`, `mem`, `walltime`, ...). */
  resourcesUsed: Record<string, string>;
  /** `Resource_List.*` as printed, without the prefix (`ncpus`, `mem`, `nodes`, ...). */
  resourceList: Record<string, string>;
}

/** `1234.server` or `1234[].server` from qsub's output. */
export function parseQsubOutput(stdout: string): string {
  const lines = stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const id = lines.findLast((line) => /^\d+(\[\d*\])?(\.\S+)?$/.test(line));
  if (id === undefined) {
    throw new MolqError(`qsub printed no job id (output: "${stdout.trim().slice(0, 200)}").`);
  }
  return id;
}

/** PBS Pro / OpenPBS print `pbs_version = 22.05.11`; Torque prints `Version: 6.1.3`. */
export function parsePbsFlavour(versionOutput: string): PbsFlavour | null {
  if (/^\s*pbs_version\s*=/m.test(versionOutput)) return "pro";
  if (/^\s*version:\s*\d/im.test(versionOutput) || /torque/i.test(versionOutput)) return "torque";
  return null;
}

/** The part of a PBS id that identifies the job on any host: `1234`, `1234[]`, `1234[7]`. */
export function shortPbsId(id: string): string {
  return /^(\d+(?:\[\d*\])?)/.exec(id.trim())?.[1] ?? id.trim();
}

/** `1234[]` for a subjob id `1234[7].server`; undefined for anything else. */
export function pbsArrayOf(id: string): { parent: string; index: string } | undefined {
  const match = /^(\d+)\[(\d+)\]/.exec(id.trim());
  return match ? { parent: `${match[1]}[]`, index: match[2]! } : undefined;
}

/** Ids qstat named as unknown (or finished) on stderr, and every other stderr line. */
export function parseQstatErrors(stderr: string): { unknown: string[]; other: string[] } {
  const unknown: string[] = [];
  const other: string[] = [];
  for (const line of stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
    const match = /^qstat: Unknown Job Id(?: Error)? (\S+)/.exec(line) ??
      /^qstat: (\S+) Job has finished/.exec(line);
    if (match) unknown.push(match[1]!);
    else other.push(line);
  }
  return { unknown, other };
}

/** PBS Pro's `qstat -f -F json` document. Throws MolqError on anything else. */
export function parseQstatJson(text: string): PbsJobStatus[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new MolqError(`qstat printed output that is not JSON: "${text.trim().slice(0, 80)}".`);
  }
  if (!isRecord(document) || !("pbs_version" in document || "Jobs" in document)) {
    throw new MolqError("qstat printed JSON without the PBS Pro layout (no pbs_version or Jobs).");
  }
  const jobs = document.Jobs ?? {};
  if (!isRecord(jobs)) throw new MolqError("qstat printed JSON whose Jobs entry is not an object.");
  return Object.entries(jobs).map(([id, job]) => {
    if (!isRecord(job) || typeof job.job_state !== "string") {
      throw new MolqError(`qstat printed job ${id} without a job_state.`);
    }
    return toStatus(id, flatten(job));
  });
}

/** Torque's `qstat -f -1` text: `Job Id: ID` blocks of `    key = value` lines. */
export function parseQstatFull(text: string): PbsJobStatus[] {
  const statuses: PbsJobStatus[] = [];
  let id: string | null = null;
  let attributes: Record<string, string> = {};
  let lastKey: string | null = null;
  const finish = () => {
    if (id === null) return;
    if (attributes.job_state === undefined) {
      throw new MolqError(`qstat printed job ${id} without a job_state.`);
    }
    statuses.push(toStatus(id, attributes));
  };
  for (const line of text.split("\n")) {
    const header = /^Job Id:\s*(\S+)\s*$/.exec(line);
    const attribute = /^\s+([\w.]+) = (.*)$/.exec(line);
    if (header) {
      finish();
      [id, attributes, lastKey] = [header[1]!, {}, null];
    } else if (attribute && id !== null) {
      attributes[attribute[1]!] = attribute[2]!.trim();
      lastKey = attribute[1]!;
    } else if (/^\t/.test(line) && lastKey !== null) {
      attributes[lastKey] += line.trim(); // a value wrapped without -1
    } else if (line.trim() !== "") {
      throw new MolqError(`qstat printed a line molq cannot read: "${line.trim().slice(0, 80)}".`);
    }
  }
  finish();
  return statuses;
}

function toStatus(id: string, a: Record<string, string>): PbsJobStatus {
  const exit = a.Exit_status ?? a.exit_status;
  return {
    id,
    state: a.job_state!,
    exitStatus: exit !== undefined && /^-?\d+$/.test(exit) ? Number(exit) : null,
    comment: a.comment ?? null,
    startedAt: parsePbsTime(a.stime ?? a.start_time),
    finishedAt: parsePbsTime(a.obittime ?? a.comp_time),
    outputPath: stripHost(a.Output_Path),
    errorPath: stripHost(a.Error_Path),
    walltimeLimitSeconds: parseClockSeconds(a["Resource_List.walltime"]),
    walltimeUsedSeconds: parseClockSeconds(a["resources_used.walltime"]),
    resourcesUsed: withPrefix(a, "resources_used."),
    resourceList: withPrefix(a, "Resource_List."),
  };
}

function withPrefix(attributes: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes).filter(([key]) => key.startsWith(prefix)).map((
      [key, value],
    ) => [key.slice(prefix.length), value]),
  );
}

/** Nested JSON objects become dotted keys, as in the text form; values become strings. */
function flatten(job: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(job)) {
    if (isRecord(value)) {
      for (const [inner, v] of Object.entries(value)) out[`${key}.${inner}`] = String(v);
    } else out[key] = String(value);
  }
  return out;
}

function stripHost(path: string | undefined): string | null {
  if (path === undefined) return null;
  return path.replace(/^[^/:]+:/, "");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Wed Mar 17 20:36:48 2021` (server local time) or epoch seconds, to epoch ms. */
export function parsePbsTime(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (/^\d{9,}$/.test(text.trim())) return Number(text.trim()) * 1000;
  const match = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(
    text.trim(),
  );
  const month = match ? MONTHS.indexOf(match[1]!) : -1;
  if (!match || month < 0) return null;
  const [day, hours, minutes, seconds, year] = match.slice(2).map(Number) as number[];
  return new Date(year!, month, day, hours, minutes, seconds).getTime();
}

/** `HH:MM:SS` (hours may exceed 24) or plain seconds. */
export function parseClockSeconds(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(:\d{1,2}){0,2}$/.test(text.trim())) return null;
  return text.trim().split(":").map(Number).reduce((total, part) => total * 60 + part, 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
