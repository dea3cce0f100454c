/**
 * Pure parsers for LSF output: bsub's confirmation, `bjobs -o ... -json` and the
 * delimiter form, and `bhist -l` event histories (wrapped at 80 columns).
 */
import { MolqError } from "../core/errors.ts";

/** One job or array element as bjobs or bhist reports it. */
export interface LsfJobStatus {
  jobId: string;
  /** The array index; 0 for a job that is not an array. */
  index: number;
  stat: string;
  exitCode: number | null;
  /** The TERM_* code of the exit reason (`TERM_RUNLIMIT`), and its full text. */
  exitReason: string | null;
  exitReasonText: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  pendReason: string | null;
  outputFile: string | null;
  errorFile: string | null;
  /** What it used (bjobs' cpu_used, max_mem, run_time, slots; bhist's CPU time). */
  cpuSeconds?: number | null;
  maxMemBytes?: number | null;
  runSeconds?: number | null;
  slots?: number | null;
}

/** The fields molq asks bjobs for, in order. */
export const BJOBS_FIELDS = [
  "jobid",
  "jobindex",
  "stat",
  "exit_code",
  "exit_reason",
  "start_time",
  "finish_time",
  "pend_reason",
  "output_file",
  "error_file",
] as const;

/** Asked for too, after BJOBS_FIELDS: what a finished job used. */
export const BJOBS_USAGE_FIELDS = ["cpu_used", "max_mem", "run_time", "slots"] as const;

/** `1234` from `Job <1234> is submitted to queue <normal>.` */
export function parseBsubOutput(stdout: string): string {
  const match = /Job <(\d+)> is submitted to (?:default )?queue/.exec(stdout);
  if (!match) {
    throw new MolqError(`bsub printed no job id (output: "${stdout.trim().slice(0, 200)}").`);
  }
  return match[1]!;
}

/** `1234`, or `1234[2]` for an array element. */
export function lsfKey(status: Pick<LsfJobStatus, "jobId" | "index">): string {
  return status.index > 0 ? `${status.jobId}[${status.index}]` : status.jobId;
}

/** bjobs `-json`: the statuses, and the ids it reported as not found. Throws on anything else. */
export function parseBjobsJson(
  text: string,
  now = Date.now(),
): { statuses: LsfJobStatus[]; notFound: string[] } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new MolqError(`bjobs printed output that is not JSON: "${text.trim().slice(0, 80)}".`);
  }
  const records = isRecord(document) ? document.RECORDS : undefined;
  if (!isRecord(document) || !Array.isArray(records)) {
    throw new MolqError("bjobs printed JSON without a RECORDS list.");
  }
  const statuses: LsfJobStatus[] = [];
  const notFound: string[] = [];
  for (const record of records) {
    if (!isRecord(record)) throw new MolqError("bjobs printed a record that is not an object.");
    const fields = Object.fromEntries(
      Object.entries(record).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    if (fields.error !== undefined) {
      const missing = /Job <([^>]+)> is not found/.exec(fields.error);
      if (!missing) throw new MolqError(`bjobs reported an error: ${fields.error}`);
      notFound.push(missing[1]!);
    } else statuses.push(toStatus(fields, now));
  }
  return { statuses, notFound };
}

/** bjobs `-o '... delimiter="|"' -noheader` lines, fields in the order asked for. */
export function parseBjobsDelimited(
  text: string,
  fields: readonly string[],
  delimiter: string,
  now = Date.now(),
): LsfJobStatus[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const values = line.split(delimiter);
    if (values.length !== fields.length) {
      throw new MolqError(`bjobs printed a line molq cannot read: "${line.slice(0, 80)}".`);
    }
    return toStatus(
      Object.fromEntries(fields.map((f, i) => [f, values[i] === "-" ? "" : values[i]!])),
      now,
    );
  });
}

function toStatus(f: Record<string, string>, now: number): LsfJobStatus {
  const id = /^(\d+)(?:\[(\d+)\])?$/.exec(f.jobid?.trim() ?? "");
  if (!id || !f.stat) throw new MolqError(`bjobs printed a record without a job id or state.`);
  const reason = f.exit_reason?.trim() || null;
  return {
    jobId: id[1]!,
    index: Number(id[2] ?? f.jobindex ?? 0) || 0,
    stat: f.stat.trim(),
    exitCode: /^-?\d+$/.test(f.exit_code?.trim() ?? "") ? Number(f.exit_code) : null,
    exitReason: reason === null ? null : /^(TERM_\w+)/.exec(reason)?.[1] ?? reason,
    exitReasonText: reason,
    startedAt: parseLsfTime(f.start_time ?? "", now),
    finishedAt: parseLsfTime(f.finish_time ?? "", now),
    pendReason: f.pend_reason?.trim() || null,
    outputFile: f.output_file?.trim() || null,
    errorFile: f.error_file?.trim() || null,
    cpuSeconds: parseLsfSeconds(f.cpu_used),
    maxMemBytes: parseLsfMemory(f.max_mem),
    runSeconds: parseLsfSeconds(f.run_time),
    slots: /^\d+$/.test(f.slots?.trim() ?? "") ? Number(f.slots) : null,
  };
}

/** `1.2 second(s)`, `87 second(s)`, or with `-hms` `00:01:27`; null for `-` or empty. */
export function parseLsfSeconds(text: string | undefined): number | null {
  const value = text?.trim() ?? "";
  const seconds = /^(\d+(?:\.\d+)?)\s*(?:second\(s\)|seconds?|sec\.?|s)?$/i.exec(value);
  if (seconds) return Number(seconds[1]);
  const clock = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  return clock ? Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]) : null;
}

const MEMORY_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `25 Mbytes`, `5.2 Gbytes`, `522 MBytes`, `100 Kbytes`; null for `-`, empty or 0. */
export function parseLsfMemory(text: string | undefined): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt])(?:bytes|b)?$/i.exec(text?.trim() ?? "");
  if (!match) return null;
  const bytes = Math.round(Number(match[1]) * MEMORY_UNITS[match[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : null;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const TIME =
  /^(?:\w{3}\s+)?(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+(\d{4}))?(?:\s+[A-Z])?$/;

/**
 * `Nov 24 05:20:15 2026`, `Nov 24 05:20`, `Wed Nov 24 05:20:15` (bhist), optionally with
 * an estimate flag. Without a year, the most recent such date not in the future.
 */
export function parseLsfTime(text: string, now = Date.now()): number | null {
  const match = TIME.exec(text.trim());
  const month = match ? MONTHS.indexOf(match[1]!) : -1;
  if (!match || month < 0) return null;
  const [day, hours, minutes] = [Number(match[2]), Number(match[3]), Number(match[4])];
  const seconds = Number(match[5] ?? 0);
  const at = (year: number) => new Date(year, month, day, hours, minutes, seconds).getTime();
  if (match[6]) return at(Number(match[6]));
  const thisYear = new Date(now).getFullYear();
  return at(thisYear) > now + 86_400_000 ? at(thisYear - 1) : at(thisYear);
}

/** `bhist -l`: one final (or unfinished) status per job or element it knows. */
export function parseBhist(text: string, now = Date.now()): LsfJobStatus[] {
  const blocks = text.split(/\n-{20,}\n/);
  const statuses: LsfJobStatus[] = [];
  for (const block of blocks) {
    const lines = unwrap(block);
    const header = lines.map((line) => /^Job <(\d+)(?:\[(\d+)\])?>/.exec(line)).find((m) => m);
    if (!header) {
      if (block.trim() !== "") {
        throw new MolqError(
          `bhist printed a block molq cannot read: "${block.trim().slice(0, 80)}".`,
        );
      }
      continue;
    }
    const text = lines.join(" ");
    const status: LsfJobStatus = {
      jobId: header[1]!,
      index: Number(header[2] ?? 0),
      stat: "",
      exitCode: null,
      exitReason: null,
      exitReasonText: null,
      startedAt: null,
      finishedAt: null,
      pendReason: null,
      outputFile: /Output File <([^>]+)>/.exec(text)?.[1] ?? null,
      errorFile: /Error File <([^>]+)>/.exec(text)?.[1] ?? null,
      cpuSeconds: parseLsfSeconds(/The CPU time used is ([\d.]+) seconds/.exec(text)?.[1]),
      maxMemBytes: parseLsfMemory(/MAX MEM: ([\d.]+ \w+)/.exec(text)?.[1]),
    };
    for (const line of lines) applyEvent(status, line, now);
    statuses.push(status);
  }
  return statuses;
}

function applyEvent(status: LsfJobStatus, line: string, now: number): void {
  const event = /^(.+?\d{1,2}:\d{2}(?::\d{2})?(?: \d{4})?): (.*)$/.exec(line);
  const at = event ? parseLsfTime(event[1]!, now) : null;
  if (!event || at === null) return;
  const what = event[2]!;
  if (/^(Starting|Dispatched)/.test(what)) status.startedAt ??= at;
  let match: RegExpExecArray | null;
  if (/^Done successfully/.test(what) || /^Completed <done>/.test(what)) {
    [status.stat, status.finishedAt] = ["DONE", at];
  } else if ((match = /^Exited with exit code (-?\d+)/.exec(what))) {
    [status.stat, status.finishedAt, status.exitCode] = ["EXIT", at, Number(match[1])];
  } else if ((match = /^Completed <exit>;?\s*((TERM_\w+)[^;]*)?/.exec(what))) {
    [status.stat, status.finishedAt] = ["EXIT", at];
    if (match[2]) [status.exitReason, status.exitReasonText] = [match[2], match[1]!.trim()];
  } else if (/^Exited/.test(what)) {
    [status.stat, status.finishedAt] = ["EXIT", at];
  }
}

/** Joins bhist's continuation lines (indented 21 spaces) onto the line they continue. */
function unwrap(block: string): string[] {
  const lines: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(" ".repeat(21)) && lines.length > 0) {
      lines[lines.length - 1] += line.slice(21);
    } else lines.push(line);
  }
  return lines;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
