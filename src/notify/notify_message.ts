/**
 * What a notification says: the job's facts as MOLQ_* environment variables for a notify
 * command, and the same as a short mail. Pure, so every field is tested without a process.
 */
import { type JobRecord, META_STDERR, META_STDOUT } from "../core/job_record.ts";
import type { JobState } from "../core/job_state.ts";

/** An array's tasks by final state, for the one notification of a whole array. */
export type TaskCounts = Partial<Record<JobState, number>>;

export interface NotificationFacts {
  record: JobRecord;
  /** The final state announced (the record's own, recorded when it was claimed). */
  state: JobState;
  /** For an array record: its tasks by state. */
  taskCounts?: TaskCounts;
  /** The usage line when figures were already known (they may come later: SLURM lags). */
  usageLine?: string;
}

/** `3 succeeded, 1 failed` in the order of the counts given. */
export function describeCounts(counts: TaskCounts): string {
  return Object.entries(counts).filter(([, n]) => n! > 0).map(([state, n]) => `${n} ${state}`)
    .join(", ");
}

/** One line: `molq: job train (3f2a91c0) failed: Exited with code 3.` */
export function notificationSummary(facts: NotificationFacts): string {
  const { record, state } = facts;
  const what = record.arrayJobId === null && facts.taskCounts ? "array" : "job";
  const name = record.name ?? record.commandDisplay;
  const counts = facts.taskCounts ? ` (${describeCounts(facts.taskCounts)})` : "";
  const why = record.failureReason && state !== "succeeded" ? `: ${record.failureReason}` : "";
  return `molq: ${what} ${name} (${record.jobId.slice(0, 8)}) ${state}${counts}${why}`;
}

/** The environment a notify command runs with (added to molq's own). */
export function notificationEnvironment(facts: NotificationFacts): Record<string, string> {
  const { record } = facts;
  const env: Record<string, string> = {
    MOLQ_JOB_ID: record.jobId,
    MOLQ_JOB_NAME: record.name ?? record.commandDisplay,
    MOLQ_STATE: facts.state,
    MOLQ_EXIT_CODE: record.exitCode === null ? "" : String(record.exitCode),
    MOLQ_CLUSTER: record.cluster,
    MOLQ_SCHEDULER: record.scheduler,
    MOLQ_SCHEDULER_JOB_ID: record.schedulerJobId ?? "",
    MOLQ_FAILURE_REASON: record.failureReason ?? "",
    MOLQ_STDOUT: record.metadata[META_STDOUT] ?? "",
    MOLQ_STDERR: record.metadata[META_STDERR] ?? "",
    MOLQ_RUN: record.runLabel ?? "",
    MOLQ_ATTEMPT: String(record.attempt),
    MOLQ_MESSAGE: notificationSummary(facts),
  };
  if (record.startedAt !== null && record.finishedAt !== null) {
    env.MOLQ_ELAPSED_SECONDS = String(Math.round((record.finishedAt - record.startedAt) / 1000));
  }
  if (facts.usageLine) env.MOLQ_USAGE = facts.usageLine;
  if (facts.taskCounts) {
    env.MOLQ_ARRAY_TASKS = String(Object.values(facts.taskCounts).reduce((a, b) => a + b!, 0));
    env.MOLQ_ARRAY_COUNTS = describeCounts(facts.taskCounts);
  }
  return env;
}

/** A mail for sendmail -t: headers, blank line, body. */
export function notificationMail(to: string, facts: NotificationFacts): string {
  const env = notificationEnvironment(facts);
  const subject = env.MOLQ_MESSAGE!.replace(/^molq: /, "").replace(/[\r\n]+/g, " ");
  const lines = [
    `To: ${to}`,
    `Subject: molq: ${subject.length > 120 ? subject.slice(0, 119) + "…" : subject}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    env.MOLQ_MESSAGE!,
    "",
    ...Object.entries(env).filter(([key]) => key !== "MOLQ_MESSAGE").map(([key, value]) =>
      `${key.replace(/^MOLQ_/, "").toLowerCase().padEnd(16)} ${value}`
    ),
    "",
    `molq inspect ${facts.record.jobId.slice(0, 8)} shows the rest.`,
    "",
  ];
  return lines.join("\n");
}
