/**
 * The notification policy a submission freezes into its request: `--no-notify` > a
 * one-off `--notify-command` > the profile's `[notify]` over the top-level one.
 */
import { UsageError } from "../core/errors.ts";
import {
  DEFAULT_NOTIFY_STATES,
  DEFAULT_NOTIFY_TIMEOUT_SECONDS,
  type NotifyPolicy,
} from "../core/notify_policy.ts";
import { findProfile, type MolqConfig } from "./config.ts";
import { mergeNotify } from "./notify_config.ts";

export interface NotifyFlags {
  /** `--notify` (true) or `--no-notify` (false); undefined: as configured. */
  notify?: boolean;
  /** `--notify-command`: a shell command line, or an argv from the library. */
  notifyCommand?: string | string[];
}

/** The policy for a job of `clusterName`, or undefined when it does not notify. */
export function resolveNotifyPolicy(
  config: MolqConfig,
  clusterName: string,
  flags: NotifyFlags = {},
): NotifyPolicy | undefined {
  if (flags.notify === false) {
    if (flags.notifyCommand !== undefined) {
      throw new UsageError("--no-notify and --notify-command contradict each other.");
    }
    return undefined;
  }
  const configured = mergeNotify(config.notify, findProfile(config, clusterName)?.notify);
  const oneOff = flags.notifyCommand;
  const command = oneOff === undefined
    ? configured.command
    : typeof oneOff === "string"
    ? ["/bin/sh", "-c", checkedCommand(oneOff)]
    : oneOff;
  const mail = oneOff === undefined ? configured.mail : undefined;
  const asked = flags.notify === true || oneOff !== undefined;
  if (command === undefined && mail === undefined) {
    if (!asked) return undefined;
    throw new UsageError(
      "--notify needs a command or mail in the config's [notify], or --notify-command.",
    );
  }
  if (!asked && configured.allJobs === false) return undefined;
  const on = configured.on ?? [...DEFAULT_NOTIFY_STATES];
  if (on.length === 0 && !asked) return undefined;
  const policy: NotifyPolicy = {
    on: on.length === 0 ? [...DEFAULT_NOTIFY_STATES] : [...on],
    timeoutSeconds: configured.timeoutSeconds ?? DEFAULT_NOTIFY_TIMEOUT_SECONDS,
    arrayTasks: configured.arrayTasks ?? false,
  };
  if (command !== undefined) policy.command = [...command];
  if (mail !== undefined) policy.mail = mail;
  return policy;
}

function checkedCommand(text: string): string {
  if (text.trim() === "") throw new UsageError("Invalid --notify-command: it is empty.");
  return text;
}
