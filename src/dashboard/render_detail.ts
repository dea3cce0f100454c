/**
 * The detail view of one job: the record, its dependencies, the state timeline, and a
 * pane that follows the end of its stdout or stderr.
 */
import { formatElapsed } from "../core/duration.ts";
import { type JobRecord, META_STDERR, META_STDOUT } from "../core/job_record.ts";
import { isTerminal } from "../core/job_state.ts";
import { fit, paint, sanitize, truncate, wrapColumns } from "./ansi.ts";
import {
  formatBytes,
  formatDateTime,
  logPath,
  shortId,
  STATE_STYLES,
  stateLabel,
} from "./format.ts";
import type { DashboardState, DetailState } from "./state.ts";
import type { ScreenSize } from "./render.ts";
import { formatUsageLine } from "../usage/usage_line.ts";
import { usageHint } from "../usage/usage_hint.ts";

const LABEL_WIDTH = 12;

function field(label: string, value: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${sanitize(value)}`;
}

function since(from: number | null, to: number | null): string {
  return from !== null && to !== null ? formatElapsed((to - from) / 1000) : "";
}

function queuedFor(record: JobRecord): string {
  const waited = since(record.submittedAt, record.startedAt);
  return waited === "" ? "" : `queued ${waited}`;
}

function timeField(label: string, at: number | null, note: string): string | null {
  if (at === null) return null;
  return field(label, note ? `${formatDateTime(at)}  (${note})` : formatDateTime(at));
}

/** The record as labelled lines (id, name and state are in the title); empty fields are left out. */
export function recordLines(record: JobRecord, state: DashboardState): string[] {
  const lines: (string | null)[] = [];
  lines.push(field("Command", record.commandDisplay));
  const schedulerId = record.schedulerJobId === null
    ? ""
    : ` · scheduler id ${record.schedulerJobId}`;
  lines.push(field("Cluster", `${record.cluster} (${record.scheduler})${schedulerId}`));
  if (record.host !== null) {
    const boot = record.bootId ? ` · boot ${record.bootId.slice(0, 8)}` : "";
    lines.push(field("Host", `${record.host}${boot}`));
  }
  if (record.stateDetail !== null) lines.push(field("Detail", record.stateDetail));
  if (isTerminal(record.state) || record.exitCode !== null || record.failureReason !== null) {
    const code = record.exitCode === null ? "none" : String(record.exitCode);
    const why = record.failureReason === null ? "" : ` · ${record.failureReason}`;
    lines.push(field("Exit code", `${code}${why}`));
  }
  const used = state.usage.get(record.jobId);
  if (used) {
    const line = used.usage ? formatUsageLine(used.usage) : "not read yet";
    lines.push(field("Usage", `${line}${used.settled ? "" : " (may still change)"}`));
    const hint = usageHint(record, used.usage);
    if (hint) lines.push(field("Hint", hint));
  }
  lines.push(
    record.submittedAt === null
      ? timeField("Created", record.createdAt, "")
      : timeField("Submitted", record.submittedAt, ""),
    timeField("Started", record.startedAt, queuedFor(record)),
    timeField(
      "Finished",
      record.finishedAt,
      record.startedAt === null ? "" : `ran ${since(record.startedAt, record.finishedAt)}`,
    ),
  );
  if (record.startedAt !== null && record.finishedAt === null && !isTerminal(record.state)) {
    lines.push(field("Running", since(record.startedAt, state.now)));
  }
  if (record.runLabel !== null) lines.push(field("Run", record.runLabel));
  if (record.attempt > 1) {
    const previous = record.previousAttemptId
      ? `, previous ${shortId(record.previousAttemptId)}`
      : "";
    lines.push(
      field("Attempt", `${record.attempt} (lineage ${shortId(record.lineageId)}${previous})`),
    );
  }
  if (record.arrayJobId !== null && record.arrayTaskId !== null) {
    lines.push(field("Array", `task ${record.arrayTaskId} of ${shortId(record.arrayJobId)}`));
  }
  const tasks = state.tasksByArray.get(record.jobId);
  if (tasks) lines.push(field("Array", `${tasks.length} tasks loaded`));
  const dependencies = record.request.dependencies.map((dependency) => {
    const upstream = state.byId.get(dependency.jobId);
    const status = upstream ? ` (${stateLabel(upstream.state)})` : "";
    return `${dependency.kind} ${shortId(dependency.jobId)}${status}`;
  });
  if (dependencies.length > 0) lines.push(field("Depends on", dependencies.join(", ")));
  return lines.filter((line): line is string => line !== null);
}

/** Where the job runs and writes, and the user's metadata: shown after the timeline. */
export function pathLines(record: JobRecord): string[] {
  const lines = [field("Workdir", record.cwd), field("Job dir", record.jobDir)];
  const stdout = record.metadata[META_STDOUT];
  const stderr = record.metadata[META_STDERR];
  if (stdout !== undefined) lines.push(field("Stdout", stdout));
  if (stderr !== undefined) lines.push(field("Stderr", stderr));
  const user = Object.entries(record.metadata).filter(([key]) => !key.startsWith("molq."));
  if (user.length > 0) {
    lines.push(field("Metadata", user.map(([k, v]) => `${k}=${v}`).join(", ")));
  }
  return lines;
}

function timelineLines(detail: DetailState, max: number): string[] {
  const entries = detail.transitions;
  if (entries.length === 0 || max < 2) return [];
  const shown = entries.slice(-(max - 1));
  const title = shown.length < entries.length
    ? `  Timeline (last ${shown.length} of ${entries.length})`
    : "  Timeline";
  return [
    title,
    ...shown.map((t) =>
      `    ${formatDateTime(t.at)}  ${stateLabel(t.toState).padEnd(12)}${sanitize(t.reason ?? "")}`
        .trimEnd()
    ),
  ];
}

/** Display lines of the log pane, `height` tall, ending `logScroll` source lines back. */
export function logPaneLines(detail: DetailState, width: number, height: number): string[] {
  const log = detail.log;
  const path = detail.record ? logPath(detail.record, detail.stream) : null;
  if (height <= 0) return [];
  let body: string[];
  if (!detail.record) body = ["This job is no longer in the store."];
  else if (path === null) body = [`This job records no ${detail.stream} path.`];
  else if (log === null) body = ["loading…"];
  else if (!log.exists) body = ["no output yet"];
  else if (log.lines.length === 0) body = ["(empty)"];
  else body = tailDisplayLines(log.lines, detail.logScroll, width, height);
  const where = detail.logScroll > 0 ? `${detail.logScroll} lines back` : "following";
  const size = log?.exists ? ` · ${formatBytes(log.sizeBytes)}` : "";
  const other = detail.stream === "stdout" ? "stderr" : "stdout";
  const title = `── ${detail.stream}${size} · ${where} · l: ${other} ── ${sanitize(path ?? "")} `;
  return [truncate(title, width), ...body.map((line) => truncate(line, width))].slice(0, height);
}

function tailDisplayLines(
  lines: readonly string[],
  scroll: number,
  width: number,
  height: number,
): string[] {
  const rows = height - 1;
  const collected: string[] = [];
  let index = lines.length - 1 - Math.min(scroll, lines.length - 1);
  for (; index >= 0 && collected.length < rows; index--) {
    const pieces = wrapColumns(sanitize(lines[index]!), width);
    for (let p = pieces.length - 1; p >= 0 && collected.length < rows; p--) {
      collected.push(pieces[p]!);
    }
  }
  collected.reverse();
  if (index < 0 && collected.length < rows && scroll > 0) {
    // Scrolled past the top: show the first page instead of a short one.
    for (
      let next = lines.length - Math.min(scroll, lines.length - 1);
      next < lines.length;
      next++
    ) {
      for (const piece of wrapColumns(sanitize(lines[next]!), width)) {
        if (collected.length >= rows) return collected;
        collected.push(piece);
      }
    }
  }
  return collected;
}

/** The detail view, exactly `height` lines. */
export function renderDetail(state: DashboardState, size: ScreenSize, height: number): string[] {
  const detail = state.detail!;
  const record = detail.record;
  const { columns, color } = size;
  const title = record
    ? `${stateLabel(record.state)}  ${record.jobId}  ${sanitize(record.name ?? "")}`
    : detail.jobId;
  const styles = record ? STATE_STYLES[record.state] : [];
  const head = [paint(fit(` ${title}`, columns), color, "bold", ...styles)];
  const fields = record ? recordLines(record, state) : [];
  const logMin = Math.max(4, Math.floor(height * 0.35));
  const infoMax = Math.max(1, height - logMin);
  const timeline = timelineLines(detail, infoMax - head.length - fields.length);
  const paths = record ? pathLines(record) : [];
  const info = [
    ...head,
    ...[...fields, ...timeline, ...paths].map((line) => truncate(line, columns)),
  ]
    .slice(0, infoMax);
  const pane = logPaneLines(detail, columns, height - info.length).map((line, i) =>
    i === 0 ? paint(line, color, "bold") : line
  );
  const lines = [...info, ...pane];
  while (lines.length < height) lines.push("");
  return lines.slice(0, height);
}
