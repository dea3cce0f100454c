/** What a user asks for when submitting: the command, resources and scheduling. */
import type { NotifyPolicy } from "./notify_policy.ts";

/** How the job's command is given. */
export type JobCommand =
  | { type: "argv"; argv: string[] }
  | { type: "shell"; command: string }
  | { type: "script"; path: string }
  | { type: "inline"; script: string };

export interface Resources {
  cpus?: number;
  memoryBytes?: number;
  timeLimitSeconds?: number;
  gpus?: number;
  gpuType?: string;
  nodes?: number;
  exclusive?: boolean;
}

export interface Scheduling {
  partition?: string;
  account?: string;
  qos?: string;
  reservation?: string;
  /** Array spec such as `0-9`, `1,3,5` or `0-99%10`. */
  array?: string;
}

export type DependencyKind = "after" | "afterok" | "afternotok" | "afterstart";

/** A dependency on another molq job, by molq job id. */
export interface Dependency {
  kind: DependencyKind;
  jobId: string;
}

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  /** Retry only on these exit codes; empty means any failure or time-out. */
  onExitCodes: number[];
  /** Delay before the second attempt; doubles for each later one. */
  backoffSeconds: number;
}

/** The frozen submission request, kept on the record so a retry can resubmit it. */
export interface JobRequest {
  command: JobCommand;
  name?: string;
  workdir: string;
  env: Record<string, string>;
  resources: Resources;
  scheduling: Scheduling;
  dependencies: Dependency[];
  stdoutPath?: string;
  stderrPath?: string;
  metadata: Record<string, string>;
  runLabel?: string;
  retry?: RetryPolicy;
  /** Extra native flags passed to the scheduler's submit command as they are. */
  extraArgs: string[];
  /** How the job's end is announced (see notify_policy.ts); none when absent. */
  notify?: NotifyPolicy;
}

/** One line a person can read for a command. */
export function displayCommand(command: JobCommand): string {
  switch (command.type) {
    case "argv":
      return command.argv.map(quoteForDisplay).join(" ");
    case "shell":
      return command.command;
    case "script":
      return command.path;
    case "inline":
      return command.script.split("\n").find((line) => line.trim() && !line.startsWith("#!"))
        ?.trim() ?? "(inline script)";
  }
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
}
