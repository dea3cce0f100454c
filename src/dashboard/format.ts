/** How one record's fields read on screen: state symbols and colours, ids, times, sizes. */
import { formatElapsed } from "../core/duration.ts";
import { type JobRecord, META_STDERR, META_STDOUT } from "../core/job_record.ts";
import type { DashboardJob } from "../store/job_views.ts";
import { isTerminal, type JobState } from "../core/job_state.ts";
import { sanitize, type Style } from "./ansi.ts";

/** One single-width symbol per state, so the table reads without colour. */
export const STATE_SYMBOLS: Readonly<Record<JobState, string>> = {
  created: "·",
  submitted: "○",
  queued: "◌",
  running: "●",
  succeeded: "✔",
  failed: "✘",
  cancelled: "⊘",
  timed_out: "⏱",
  lost: "?",
};

export const STATE_STYLES: Readonly<Record<JobState, Style[]>> = {
  created: ["gray"],
  submitted: ["blue"],
  queued: ["yellow"],
  running: ["cyan", "bold"],
  succeeded: ["green"],
  failed: ["red", "bold"],
  cancelled: ["magenta"],
  timed_out: ["red"],
  lost: ["gray"],
};

/** `● running`: the widest is `⏱ timed_out` (11 columns). */
export function stateLabel(state: JobState): string {
  return `${STATE_SYMBOLS[state]} ${state}`;
}

export function shortId(jobId: string): string {
  return jobId.slice(0, 8);
}

export function nameText(record: DashboardJob): string {
  return sanitize(record.name ?? record.commandDisplay);
}

/** Exit code and failure reason of a finished job; the scheduler's detail for an active one. */
export function reasonText(record: DashboardJob): string {
  if (!isTerminal(record.state)) return sanitize(record.stateDetail ?? "");
  const code = record.exitCode === null ? "" : String(record.exitCode);
  const why = record.failureReason ?? (record.state === "succeeded" ? null : record.stateDetail);
  const text = [code, why ?? ""].filter((part) => part !== "").join(" ");
  return text === "" ? "-" : sanitize(text);
}

/** Run time: since start (active) or start to finish; `-` for a job that never started. */
export function elapsedText(record: DashboardJob, now: number): string {
  if (record.startedAt === null) return "-";
  const end = record.finishedAt ?? (isTerminal(record.state) ? null : now);
  return end === null ? "-" : formatElapsed((end - record.startedAt) / 1000);
}

export function logPath(record: JobRecord, stream: "stdout" | "stderr"): string | null {
  return record.metadata[stream === "stdout" ? META_STDOUT : META_STDERR] ?? null;
}

/** `HH:MM:SS`, local time. */
export function formatClockTime(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map(pad2).join(":");
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
export function formatDateTime(ms: number): string {
  const date = new Date(ms);
  const day = [date.getFullYear(), pad2(date.getMonth() + 1), pad2(date.getDate())].join("-");
  return `${day} ${formatClockTime(ms)}`;
}

/** `MM-DD HH:MM`, local time: the submitted column on wide screens. */
export function formatShortDateTime(ms: number): string {
  const date = new Date(ms);
  return `${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${
    pad2(date.getMinutes())
  }`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
