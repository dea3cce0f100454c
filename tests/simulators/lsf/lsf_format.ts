/**
 * How the simulated bjobs and bhist print: `-o` fields (text with a delimiter, or
 * `-json`), and `bhist -l` event histories wrapped at 80 columns like the real tool.
 */
import { ctime, lsfTime } from "../common/sim_state.ts";
import {
  elementName,
  type ElementView,
  EXIT_REASONS,
  isFinished,
  type LsfJob,
  resolvePath,
} from "./lsf_model.ts";

const FIELDS = [
  "jobid",
  "jobindex",
  "stat",
  "exit_code",
  "exit_reason",
  "start_time",
  "finish_time",
  "submit_time",
  "job_name",
  "queue",
  "user",
  "proj_name",
  "pend_reason",
  "output_file",
  "error_file",
  "exec_host",
  "cpu_used",
  "max_mem",
  "run_time",
  "slots",
];

/** LSF's memory form: `25 Mbytes` below a gigabyte, `1.8 Gbytes` above. */
function memoryText(kb: number): string {
  const mb = kb / 1024;
  return mb < 1024 ? `${Math.round(mb)} Mbytes` : `${(mb / 1024).toFixed(1)} Gbytes`;
}

export function isField(name: string): boolean {
  return FIELDS.includes(name);
}

/** One field of one element; null where LSF shows `-` (text) or `""` (JSON). */
export function fieldValue(job: LsfJob, view: ElementView, field: string): string | null {
  const run = view.run;
  const year = Deno.env.get("LSB_DISPLAY_YEAR") === "Y";
  const time = (ms: number | undefined) => (ms === undefined ? null : lsfTime(ms, year));
  switch (field) {
    case "jobid":
      return String(job.id);
    case "jobindex":
      return String(view.index);
    case "stat":
      return view.stat;
    case "exit_code":
      return run?.stat === "EXIT" && run.exitCode !== undefined ? String(run.exitCode) : null;
    case "exit_reason":
      return run?.exitReason ? EXIT_REASONS[run.exitReason] ?? run.exitReason : null;
    case "start_time":
      return time(run?.startedAt);
    case "finish_time":
      return time(isFinished(view) ? run?.endedAt : undefined);
    case "submit_time":
      return time(job.submittedAt);
    case "job_name":
      return elementName(job, view.index);
    case "queue":
      return job.queue;
    case "user":
      return job.user;
    case "proj_name":
      return job.project;
    case "pend_reason":
      return view.stat === "PEND" ? run?.pendReason ?? "New job is waiting for scheduling" : null;
    case "output_file":
      return job.outputSpec === null ? null : resolvePath(job.outputSpec, job, view.index);
    case "error_file":
      return job.errorSpec === null ? null : resolvePath(job.errorSpec, job, view.index);
    case "exec_host":
      return run?.startedAt === undefined ? null : "simhost";
    case "cpu_used":
      return isFinished(view) && run?.cpuSeconds != null
        ? `${run.cpuSeconds.toFixed(1)} second(s)`
        : null;
    case "max_mem":
      // Empty when the job ended before it was sampled, as LSF prints it.
      return isFinished(view) && run?.peakRssKb ? memoryText(run.peakRssKb) : null;
    case "run_time": {
      if (run?.startedAt === undefined) return null;
      const end = isFinished(view) ? run.endedAt ?? Date.now() : Date.now();
      return `${Math.round((end - run.startedAt) / 1000)} second(s)`;
    }
    case "slots":
      return String(job.slots);
    default:
      return null;
  }
}

export type Row = { job: LsfJob; view: ElementView } | { error: string };

export function formatJson(rows: readonly Row[], fields: readonly string[]): string {
  const records = rows.map((row) => {
    if ("error" in row) {
      return {
        ...(fields.includes("jobid") ? { JOBID: row.error.match(/<(.*)>/)?.[1] ?? "" } : {}),
        ERROR: row.error,
      };
    }
    return Object.fromEntries(
      fields.map((f) => [f.toUpperCase(), fieldValue(row.job, row.view, f) ?? ""]),
    );
  });
  const body = records.map((record) => {
    const lines = Object.entries(record).map(([k, v]) =>
      `      ${JSON.stringify(k)}:${JSON.stringify(v)}`
    );
    return `    {\n${lines.join(",\n")}\n    }`;
  });
  return `{\n  "COMMAND":"bjobs",\n  "JOBS":${records.length},\n  "RECORDS":[\n${
    body.join(",\n")
  }\n  ]\n}`;
}

export function formatText(
  rows: readonly Row[],
  fields: readonly string[],
  delimiter: string,
  header: boolean,
): string {
  const lines = header ? [fields.map((f) => f.toUpperCase()).join(delimiter)] : [];
  for (const row of rows) {
    if ("error" in row) continue;
    lines.push(fields.map((f) => fieldValue(row.job, row.view, f) ?? "-").join(delimiter));
  }
  return lines.join("\n");
}

/** `bhist -l` for one element: the event log, then the time summary. */
export function formatHistory(job: LsfJob, view: ElementView): string {
  const run = view.run;
  const year = Deno.env.get("LSB_DISPLAY_YEAR") === "Y";
  const at = (ms: number) => (year ? ctime(ms) : ctime(ms).slice(0, 19));
  const id = job.array ? `${job.id}[${view.index}]` : String(job.id);
  const cpu = (run?.cpuSeconds ?? 0).toFixed(1);
  const lines = [
    `Job <${id}>, Job Name <${
      elementName(job, view.index)
    }>, User <${job.user}>, Project <${job.project}>, Command <#!/bin/sh>`,
    `${
      at(job.submittedAt)
    }: Submitted from host <simhost>, to Queue <${job.queue}>, CWD <${job.cwd}>${
      job.outputSpec ? `, Output File <${resolvePath(job.outputSpec, job, view.index)}>` : ""
    };`,
  ];
  if (run?.startedAt !== undefined) {
    lines.push(
      `${
        at(run.startedAt)
      }: Dispatched 1 Task(s) on Host(s) <simhost>, Allocated ${job.slots} Slot(s) on Host(s) <simhost>, Effective RES_REQ <select[type == local] order[r15s:pg] >;`,
      `${at(run.startedAt)}: Starting (Pid 4242);`,
    );
  }
  if (run?.killedAt !== undefined) {
    lines.push(
      `${at(run.killedAt)}: Signal <KILL> requested by user or administrator <${job.user}>;`,
    );
  }
  if (run?.stat === "DONE" && run.endedAt !== undefined) {
    lines.push(`${at(run.endedAt)}: Done successfully. The CPU time used is ${cpu} seconds;`);
  } else if (run?.stat === "EXIT" && run.endedAt !== undefined) {
    if (run.exitCode !== undefined) {
      lines.push(
        `${
          at(run.endedAt)
        }: Exited with exit code ${run.exitCode}. The CPU time used is ${cpu} seconds;`,
      );
    }
    const reason = run.exitReason ? `; ${EXIT_REASONS[run.exitReason] ?? run.exitReason}` : "";
    lines.push(`${at(run.endedAt)}: Completed <exit>${reason};`);
  }
  const end = run?.endedAt ?? Date.now();
  const pend = Math.round(((run?.startedAt ?? end) - job.submittedAt) / 1000);
  const ran = run?.startedAt === undefined ? 0 : Math.round((end - run.startedAt) / 1000);
  return [
    ...lines.flatMap(wrap),
    "",
    `Summary of time in seconds spent in various states by  ${at(end)}`,
    "  PEND     PSUSP    RUN      USUSP    SSUSP    UNKWN    TOTAL",
    `  ${[pend, 0, ran, 0, 0, 0, pend + ran].map((n) => String(n).padEnd(9)).join("").trimEnd()}`,
  ].join("\n");
}

/** bhist breaks long lines at column 79, continuing on lines indented by 21 spaces. */
function wrap(line: string): string[] {
  const out = [line.slice(0, 79)];
  for (let rest = line.slice(79); rest.length > 0; rest = rest.slice(58)) {
    out.push(" ".repeat(21) + rest.slice(0, 58));
  }
  return out;
}

export const HISTORY_SEPARATOR =
  "\n------------------------------------------------------------------------------\n\n";
