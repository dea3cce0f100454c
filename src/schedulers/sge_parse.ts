/**
 * Pure parsers for what Grid Engine's qsub and qstat print: the job number from
 * `qsub -terse` (or the "Your job ... has been submitted" sentence), the job lists of
 * `qstat -xml` (read as XML, never by columns; the root's schema URL is not checked,
 * since it differs between versions), task ranges, and the error reasons of `qstat -j`.
 */
import { MolqError } from "../core/errors.ts";
import { childText, descendantsNamed, parseXml } from "./sge_xml.ts";

export interface QsubResult {
  /** The job number (`12345`): what qstat, qacct and qdel take. */
  jobNumber: string;
  /** An array's task range as qsub printed it (`1-10:1`), else null. */
  tasks: string | null;
}

/** `12345`, `12345.1-10:1`, or `Your job[-array] 12345[.1-10:1] ("name") has been submitted`. */
export function parseQsubOutput(stdout: string): QsubResult {
  for (const line of stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
    const match = /^(\d+)(?:\.(\d+-\d+:\d+))?$/.exec(line) ??
      /^Your job(?:-array)? (\d+)(?:\.(\d+-\d+:\d+))? \(.*\) has been submitted/.exec(line);
    if (match) return { jobNumber: match[1]!, tasks: match[2] ?? null };
  }
  const shown = stdout.trim().slice(0, 80);
  throw new MolqError(`Cannot read a job number from qsub's answer: "${shown}".`);
}

/** One `<job_list>` of `qstat -xml`: a job, one running array task, or a range of pending tasks. */
export interface QstatEntry {
  jobNumber: string;
  name: string | null;
  owner: string | null;
  /** The state letters: `qw`, `hqw`, `r`, `t`, `Rr`, `s`, `dr`, `Eqw`, ... */
  state: string;
  /** `running` (in `<queue_info>`) or `pending` (in the inner `<job_info>`). */
  listedAs: string | null;
  startedAt: number | null;
  submittedAt: number | null;
  queue: string | null;
  slots: number | null;
  /** Array tasks: one index (`3`), or a list of ranges (`5-10:1`, `1,3`); null for plain jobs. */
  tasks: string | null;
}

export function parseQstatXml(xml: string): QstatEntry[] {
  let root;
  try {
    root = parseXml(xml);
  } catch (error) {
    throw new MolqError(
      `Cannot read qstat's XML: ${(error as Error).message.replace(/^.*?: /, "")}`,
    );
  }
  if (root.name !== "job_info") {
    throw new MolqError(`Cannot read qstat's XML: the root is <${root.name}>, not <job_info>.`);
  }
  return descendantsNamed(root, "job_list").map((element) => {
    const jobNumber = childText(element, "JB_job_number");
    const state = childText(element, "state");
    if (!jobNumber || !/^\d+$/.test(jobNumber) || !state) {
      throw new MolqError("Cannot read qstat's XML: a job entry has no job number or state.");
    }
    const slots = childText(element, "slots");
    return {
      jobNumber,
      name: childText(element, "JB_name"),
      owner: childText(element, "JB_owner"),
      state,
      listedAs: element.attributes["state"] ?? null,
      startedAt: parseQstatTime(childText(element, "JAT_start_time")),
      submittedAt: parseQstatTime(childText(element, "JB_submission_time")),
      queue: childText(element, "queue_name") || null,
      slots: slots && /^\d+$/.test(slots) ? Number(slots) : null,
      tasks: childText(element, "tasks") || null,
    };
  });
}

/**
 * qstat's times are the qmaster's local time without a zone (`2026-12-01T23:48:52`,
 * Univa adds milliseconds); read here as this host's local time. Epoch ms, or null.
 */
export function parseQstatTime(text: string | null): number | null {
  const match = text && /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as number[];
  const ms = Number((match[7] ?? "0").padEnd(3, "0"));
  return new Date(y!, mo! - 1, d!, h!, mi!, s!, ms).getTime();
}

/**
 * Task ids of a task list (`3`, `5-10:1`, `1,3`, `1-3:1,7`), in order; null when there are
 * more than `max` (so a huge pending range is not expanded) or the list is not one.
 */
export function expandTaskList(list: string, max = 10_000): string[] | null {
  const ids: string[] = [];
  for (const part of list.split(",")) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (step < 1 || last < first) return null;
    if (ids.length + Math.floor((last - first) / step) + 1 > max) return null;
    for (let id = first; id <= last; id += step) ids.push(String(id));
  }
  return ids;
}

/**
 * The error reasons `qstat -j ID[,ID...]` prints for jobs in an error state, by job number
 * and task (a plain job's reason is its task 1's), without the date and pid prefix:
 * `error reason    1:   12/01/2026 23:48:09 [0:17323]: error: can't open output file ...`.
 */
export function parseQstatJobErrors(text: string): Map<string, Map<string, string>> {
  const reasons = new Map<string, Map<string, string>>();
  let job: string | null = null;
  for (const line of text.split("\n")) {
    const number = /^job_number:\s+(\d+)/.exec(line);
    if (number) {
      job = number[1]!;
      continue;
    }
    const reason = /^error reason\s+(\d+):\s*(.*)$/.exec(line);
    if (!reason || job === null) continue;
    const text = reason[2]!.replace(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d \[[^\]]*\]:\s*/, "").trim();
    const tasks = reasons.get(job) ?? new Map<string, string>();
    reasons.set(job, tasks);
    tasks.set(reason[1]!, text);
  }
  return reasons;
}
