/**
 * What `molq watch` shows while it waits, as pure functions of the records: the one live
 * line for a terminal (counts by state, a progress bar, elapsed time) and the plain
 * lines for logs and pipes (one per change).
 */
import type { JobRecord } from "../core/job_record.ts";
import { isTerminal, JOB_STATES, type JobState } from "../core/job_state.ts";
import { formatElapsed } from "../core/duration.ts";
import { paint, STATE_COLORS, visibleWidth } from "./style.ts";

const BAR_WIDTH = 20;

/** Counts by state, in lifecycle order, leaving out states no job is in. */
export function countStates(records: readonly JobRecord[]): [JobState, number][] {
  const counts = new Map<JobState, number>();
  for (const r of records) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return JOB_STATES.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]);
}

/** `[██████░░░░] 3/5 done · 1 queued · 1 running · 3 succeeded · 12s`, cut to `width`. */
export function renderProgressLine(
  records: readonly JobRecord[],
  options: { elapsedMs: number; color: boolean; width: number },
): string {
  const done = records.filter((r) => isTerminal(r.state)).length;
  const filled = records.length === 0 ? 0 : Math.round((done / records.length) * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const parts = [
    `[${
      paint(bar, done === records.length ? "green" : "cyan", options.color)
    }] ${done}/${records.length} done`,
    ...countStates(records).map(([state, n]) =>
      paint(`${n} ${state}`, STATE_COLORS[state], options.color)
    ),
    formatElapsed(options.elapsedMs / 1000),
  ];
  return cut(parts.join(" · "), options.width - 1);
}

/**
 * Plain lines for what changed since `before`, by position in the watched `ids`: one per
 * job that moved, e.g. `[5s] 3f2a1b2c running`, `[9s] 3f2a1b2c failed (exit 3; attempt 1
 * of 3)`. A retry shows under the watched id with its attempt number.
 */
export function renderChanges(
  ids: readonly string[],
  before: readonly (JobRecord | undefined)[],
  after: readonly JobRecord[],
  elapsedMs: number,
): string[] {
  const lines: string[] = [];
  after.forEach((record, i) => {
    const previous = before[i];
    if (previous && previous.jobId === record.jobId && previous.state === record.state) return;
    const id = (ids[i] ?? record.jobId).slice(0, 8);
    lines.push(`[${formatElapsed(elapsedMs / 1000)}] ${id} ${describe(record)}`);
  });
  return lines;
}

/** `2 succeeded, 1 failed` */
export function summarizeStates(records: readonly JobRecord[]): string {
  return countStates(records).map(([state, n]) => `${n} ${state}`).join(", ");
}

function describe(record: JobRecord): string {
  const notes: string[] = [];
  if (record.exitCode !== null && isTerminal(record.state)) notes.push(`exit ${record.exitCode}`);
  const retry = record.request.retry;
  if (retry && retry.attempts > 1) notes.push(`attempt ${record.attempt} of ${retry.attempts}`);
  if (record.notBefore !== null) {
    notes.push(`starts after ${new Date(record.notBefore).toISOString()}`);
  } else if (record.stateDetail && !isTerminal(record.state)) notes.push(record.stateDetail);
  if (isTerminal(record.state) && record.state !== "succeeded" && record.failureReason) {
    notes.push(record.failureReason);
  }
  return `${record.state}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

function cut(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  // Drop colour when cutting: an escape sequence cut in half would garble the terminal.
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  return [...plain].slice(0, Math.max(width - 1, 0)).join("") + "…";
}
