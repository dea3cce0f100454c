/** The human lines `molq inspect` shows for what a job used and for its notification. */
import type { JobRecord } from "../core/job_record.ts";
import type { StoredUsage } from "../store/usage_rows.ts";
import { MAX_NOTIFY_ATTEMPTS, type NotificationRow } from "../store/notification_claims.ts";
import { formatUsageLine } from "../usage/usage_line.ts";
import { usageHint } from "../usage/usage_hint.ts";
import type { Spread, UsageSummary } from "../usage/usage_report.ts";
import { formatSeconds, formatShare, formatSize } from "../usage/usage_units.ts";

/** `[label, value]` rows: usage, hint and notify, each only when there is something to say. */
export function usageRows(
  record: JobRecord,
  stored: StoredUsage | undefined,
  notification: NotificationRow | undefined,
): [string, string][] {
  const rows: [string, string][] = [];
  if (stored) {
    const line = stored.usage ? formatUsageLine(stored.usage) : "not read yet";
    const pending = stored.settledAt === null ? " (accounting may still change it)" : "";
    rows.push(["usage", line + pending]);
    const hint = usageHint(record, stored.usage);
    if (hint) rows.push(["hint", hint]);
  }
  if (notification) rows.push(["notify", notificationText(notification)]);
  return rows;
}

export function notificationText(row: NotificationRow): string {
  const tries = `${row.attempts} attempt${row.attempts === 1 ? "" : "s"}`;
  const at = (ms: number | null) => (ms === null ? "" : ` ${new Date(ms).toISOString()}`);
  switch (row.status) {
    case "sent":
      return `sent for ${row.state}${at(row.doneAt)} (${tries})`;
    case "failed":
      return `gave up after ${tries} (of ${MAX_NOTIFY_ATTEMPTS}): ${row.error ?? "no reason"}`;
    case "skipped":
      return `not sent: ${row.error ?? "skipped"}`;
    case "pending":
      return row.error
        ? `pending for ${row.state}, ${tries} so far; last: ${row.error}`
        : `pending for ${row.state}`;
  }
}

/** One line for many jobs: the spreads and the next request (`molq inspect` of an array). */
export function summaryLine(summary: UsageSummary): string {
  const parts: string[] = [];
  const range = (s: Spread | null, show: (n: number) => string, what: string) => {
    if (s) parts.push(`${what} ${show(s.min)}–${show(s.max)} (median ${show(s.median)})`);
  };
  range(summary.elapsedSeconds, formatSeconds, "elapsed");
  range(summary.cpuEfficiency, formatShare, "cpu");
  range(summary.peakMemoryBytes, formatSize, "peak");
  const next = nextFlags(summary);
  if (next) parts.push(`next: ${next}`);
  return parts.length === 0 ? "no figures yet" : parts.join(" · ");
}

/** `--mem 4G --time 20m --cpus 2`, or "" when nothing is known. */
export function nextFlags(summary: UsageSummary): string {
  const next = summary.next;
  return [
    next.mem && `--mem ${next.mem.flag}`,
    next.time && `--time ${next.time.flag}`,
    next.cpus && `--cpus ${next.cpus.value}`,
  ].filter(Boolean).join(" ");
}
