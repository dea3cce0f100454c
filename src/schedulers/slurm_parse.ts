/**
 * Pure parsers for what `sbatch --parsable`, `squeue` and `sacct` print, in the exact
 * formats molq asks for. Every line is validated: output molq cannot read is an error,
 * never a guess.
 */
import { MolqError } from "../core/errors.ts";

/** `squeue -o` fields: id, raw id, state, reason, start, end, elapsed. `|` never occurs in them. */
export const SQUEUE_FORMAT = "%i|%A|%T|%r|%S|%e|%M";
/** `sacct --format` fields; with `--parsable2` they are `|`-separated, no trailing `|`. */
export const SACCT_FORMAT = "JobID,JobIDRaw,State,ExitCode,Start,End,Reason";

/** One job (or array task, or collapsed range of array tasks) as SLURM reports it. */
export interface SlurmJobRow {
  /** As printed: `12`, `8_2`, or a collapsed range `8_[0-3]`. */
  id: string;
  /** For array rows, the array's base id (`8`); otherwise null. */
  arrayJobId: string | null;
  /** For array rows, the task index (`2`) or the collapsed range (`[0-3]`). */
  arrayTask: string | null;
  /** Long state name, upper case, without `by <uid>` (see `cancelledBy`). */
  state: string;
  /** `CANCELLED by 1000` → `1000`. */
  cancelledBy: string | null;
  /** Pending reason or why it ended; null for `None`. */
  reason: string | null;
  /** From sacct's `code:signal`; squeue does not report it. */
  exit: { code: number; signal: number } | null;
  /** Epoch ms, or null where SLURM prints `N/A`, `None`, `Unknown`. */
  startedAt: number | null;
  finishedAt: number | null;
  /** squeue only: whether the job has used any run time. */
  hasRun: boolean | null;
}

const JOB_ID = /^(\d+)(?:_(\d+|\[[0-9,\-:%]+\]))?$/;
const HET_JOB_ID = /^\d+\+\d+$/;
const STATE = /^([A-Z_]+)(?: by (\S+))?\+?$/;
const NO_TIME = new Set(["", "N/A", "NONE", "None", "Unknown", "0"]);

/** `sbatch --parsable` prints `ID` or `ID;cluster`; site wrappers may add lines around it. */
export function parseSbatchOutput(stdout: string): { jobId: string; cluster: string | null } {
  const lines = stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  for (const line of lines.reverse()) {
    const match = /^(\d+)(?:;(\S+))?$/.exec(line);
    if (match) return { jobId: match[1]!, cluster: match[2] ?? null };
  }
  throw new MolqError(
    `sbatch printed no job id: expected "ID" or "ID;cluster", got ${quoteOutput(stdout)}.`,
  );
}

/** sbatch's own words for a rejection, as one sentence without the `sbatch: error:` prefix. */
export function sbatchErrorMessage(stderr: string, stdout: string, code: number): string {
  const lines = `${stderr}\n${stdout}`.split("\n").map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => /\berror:/i.test(line));
  const chosen = errors.find((line) => /submission failed/i.test(line)) ?? errors.at(-1) ??
    lines.at(-1);
  if (chosen === undefined) return `sbatch failed with exit code ${code} and printed nothing.`;
  const text = chosen.replace(/^(?:sbatch:\s*)?(?:error:\s*)?/i, "").trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Parses `squeue -h -o SQUEUE_FORMAT` output. Throws on any line it cannot read. */
export function parseSqueueOutput(stdout: string): SlurmJobRow[] {
  return dataLines(stdout).map((line) => {
    const fields = splitFields(line, 7, "squeue");
    const [id, rawId, state, reason, start, end, elapsed] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^\d+$/.test(rawId) || !/^(?:\d+-)?[\d:]+$|^INVALID$/.test(elapsed)) {
      throw garbage("squeue", line);
    }
    return {
      ...parseCommon("squeue", line, id, state, reason, start, end),
      exit: null,
      hasRun: elapsed !== "INVALID" && /[1-9]/.test(elapsed),
    };
  });
}

/** Parses `sacct -X -P -n --format=SACCT_FORMAT` output. Throws on any line it cannot read. */
export function parseSacctOutput(stdout: string): SlurmJobRow[] {
  return dataLines(stdout).map((line) => {
    const fields = splitFields(line, 7, "sacct");
    const [id, rawId, state, exitCode, start, end, reason] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const exit = /^(\d+):(\d+)$/.exec(exitCode);
    if (!/^\d+$/.test(rawId) || !exit) throw garbage("sacct", line);
    return {
      ...parseCommon("sacct", line, id, state, reason, start, end),
      exit: { code: Number(exit[1]), signal: Number(exit[2]) },
      hasRun: null,
    };
  });
}

/**
 * A SLURM time: epoch seconds (with `SLURM_TIME_FORMAT=%s`), or SLURM's default local
 * time without zone (`2026-11-24T05:20:15`), read as this machine's local time.
 */
export function parseSlurmTime(text: string): number | null | undefined {
  if (NO_TIME.has(text)) return null;
  if (/^\d{9,11}$/.test(text)) return Number(text) * 1000;
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/** `[0-3]`, `[1,3,5-7]`, `[0-15%4]` → the task indexes, at most `limit` of them. */
export function expandTaskRange(range: string, limit = 100_000): string[] | null {
  const body = /^\[([0-9,\-:]+)(?:%\d+)?\]$/.exec(range)?.[1];
  if (body === undefined) return null;
  const tasks: string[] = [];
  for (const part of body.split(",")) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (step < 1 || last < first || tasks.length + (last - first) / step >= limit) return null;
    for (let task = first; task <= last; task += step) tasks.push(String(task));
  }
  return tasks;
}

function parseCommon(
  command: string,
  line: string,
  id: string,
  stateText: string,
  reason: string,
  start: string,
  end: string,
): Omit<SlurmJobRow, "exit" | "hasRun"> {
  const idMatch = JOB_ID.exec(id);
  const state = STATE.exec(stateText);
  const startedAt = parseSlurmTime(start);
  const finishedAt = parseSlurmTime(end);
  if (
    (!idMatch && !HET_JOB_ID.test(id)) || !state || startedAt === undefined ||
    finishedAt === undefined
  ) {
    throw garbage(command, line);
  }
  const task = idMatch?.[2] ?? null;
  return {
    id,
    arrayJobId: task === null ? null : idMatch![1]!,
    arrayTask: task,
    state: state[1]!,
    cancelledBy: state[2] ?? null,
    reason: reason === "" || reason === "None" ? null : reason,
    startedAt,
    finishedAt,
  };
}

function dataLines(stdout: string): string[] {
  return stdout.split("\n").map((line) => line.trimEnd()).filter((line) => line !== "");
}

function splitFields(line: string, count: number, command: string): string[] {
  const fields = line.split("|");
  if (fields.length !== count) throw garbage(command, line);
  return fields.map((field) => field.trim());
}

function garbage(command: string, line: string): MolqError {
  return new MolqError(`${command} printed a line molq cannot read: ${quoteOutput(line)}.`);
}

function quoteOutput(text: string): string {
  const shown = text.trim().slice(0, 120);
  return shown === "" ? "nothing" : JSON.stringify(shown);
}
