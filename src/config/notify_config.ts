/**
 * `[notify]` (top level) and `[clusters.NAME.notify]`: which final states tell the user, and
 * how — a command run with the job's facts in MOLQ_* variables, or mail through the local
 * sendmail/mail. A profile's table overrides the top-level one key by key.
 */
import { FINAL_STATES, type FinalState } from "../core/notify_policy.ts";
import {
  type KeyPath,
  type Problems,
  readBoolean,
  readDuration,
  readString,
  readTable,
  tomlType,
} from "./_fields.ts";
import { definedOnly } from "./config_sections.ts";

export const NOTIFY_KEYS = ["on", "command", "mail", "timeout", "array_tasks", "all_jobs"] as const;

export interface NotifyConfig {
  /** Final states that notify; default: every one but `succeeded`. */
  on?: FinalState[];
  /** argv of the command to run. */
  command?: string[];
  /** An address for the local sendmail/mail. */
  mail?: string;
  timeoutSeconds?: number;
  /** One notification per array task too, not only one per array. */
  arrayTasks?: boolean;
  /** false: only jobs submitted with `--notify` notify. Default true. */
  allJobs?: boolean;
}

/** Reads one `[notify]` table; only the keys given are set. */
export function readNotify(value: unknown, path: KeyPath, problems: Problems): NotifyConfig {
  const table = readTable(value, path, problems, NOTIFY_KEYS);
  if (!table) return {};
  const mail = readString(table, "mail", path, problems);
  if (mail !== undefined && (/\s/.test(mail) || mail.startsWith("-"))) {
    problems.add([...path, "mail"], "expected one mail address such as ada@example.org");
  }
  return definedOnly({
    on: readStates(table["on"], [...path, "on"], problems),
    command: readArgv(table["command"], [...path, "command"], problems),
    mail: mail !== undefined && !/\s/.test(mail) && !mail.startsWith("-") ? mail : undefined,
    timeoutSeconds: readDuration(table, "timeout", path, problems),
    arrayTasks: readBoolean(table, "array_tasks", path, problems),
    allJobs: readBoolean(table, "all_jobs", path, problems),
  });
}

/**
 * A problem when notifications are configured (`on` not empty) but nothing says how:
 * `effective` is the table as it applies (a profile's merged over the top level).
 */
export function checkNotifyHow(effective: NotifyConfig, path: KeyPath, problems: Problems) {
  if (effective.on?.length === 0) return;
  if (effective.command === undefined && effective.mail === undefined) {
    problems.add(path, "needs a command or a mail address (or on = [] to turn it off)");
  }
}

/** A profile's `[notify]` over the top-level one, key by key. */
export function mergeNotify(top: NotifyConfig | undefined, own: NotifyConfig | undefined) {
  return { ...top, ...own };
}

function readStates(value: unknown, path: KeyPath, problems: Problems): FinalState[] | undefined {
  if (value === undefined) return undefined;
  const bad = Array.isArray(value)
    ? value.find((state) => !(FINAL_STATES as readonly unknown[]).includes(state))
    : value;
  if (!Array.isArray(value) || bad !== undefined) {
    const got = Array.isArray(value)
      ? typeof bad === "string" ? `"${bad}"` : tomlType(bad)
      : tomlType(value);
    problems.add(
      path,
      `expected an array of final states (${FINAL_STATES.join(", ")}), got ${got}`,
    );
    return undefined;
  }
  return [...new Set(value as FinalState[])];
}

function readArgv(value: unknown, path: KeyPath, problems: Problems): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) || value.length === 0 ||
    value.some((word) => typeof word !== "string") || (value[0] as string).trim() === ""
  ) {
    problems.add(
      path,
      `expected the command as an array of strings such as ["notify-send", "molq"], got ${
        Array.isArray(value) && value.length === 0 ? "an empty array" : tomlType(value)
      }`,
    );
    return undefined;
  }
  return value as string[];
}
