/**
 * Delivers one notification: runs the notify command with the job's facts in its
 * environment, and/or mails them. Each runs in a process group of its own under the
 * policy's timeout, so a hanging command is killed with everything it started. Never
 * throws: the outcome says what went wrong, in one sentence.
 */
import { CommandError } from "../core/errors.ts";
import type { NotifyPolicy } from "../core/notify_policy.ts";
import { runCommand } from "../process/run_command.ts";
import { findMailProgram } from "./mail_program.ts";
import {
  notificationEnvironment,
  type NotificationFacts,
  notificationMail,
} from "./notify_message.ts";

export type DeliveryOutcome = { ok: true } | { ok: false; error: string };

export async function deliverNotification(
  policy: NotifyPolicy,
  facts: NotificationFacts,
): Promise<DeliveryOutcome> {
  const errors: string[] = [];
  if (policy.command) {
    const env = { ...Deno.env.toObject(), ...notificationEnvironment(facts) };
    const error = await run("the notify command", policy.command, policy, { env });
    if (error) errors.push(error);
  }
  if (policy.mail) {
    const error = await mail(policy, facts, policy.mail);
    if (error) errors.push(error);
  }
  return errors.length === 0 ? { ok: true } : { ok: false, error: errors.join(" ") };
}

async function mail(
  policy: NotifyPolicy,
  facts: NotificationFacts,
  to: string,
): Promise<string | null> {
  const program = await findMailProgram();
  if (!program) return `Cannot mail ${to}: this host has no sendmail or mail program.`;
  const message = notificationMail(to, facts);
  if (program.kind === "sendmail") {
    return await run("sendmail", [program.path, "-t", "-oi"], policy, { stdin: message });
  }
  const subject = /^Subject: (.*)$/m.exec(message)?.[1] ?? "molq";
  const body = message.slice(message.indexOf("\n\n") + 2);
  return await run("mail", [program.path, "-s", subject, "--", to], policy, { stdin: body });
}

/** Runs one program; null when it exited 0, else why not. */
async function run(
  what: string,
  argv: readonly string[],
  policy: NotifyPolicy,
  options: { env?: Record<string, string>; stdin?: string },
): Promise<string | null> {
  try {
    const result = await runCommand(argv, {
      ...options,
      timeoutMs: policy.timeoutSeconds * 1000,
      allowFailure: true,
      ownProcessGroup: true,
    });
    if (result.code === 0) return null;
    const said = firstLine(result.stderr) || firstLine(result.stdout);
    return `${capitalized(what)} (${argv[0]}) exited with code ${result.code}${
      said ? `: ${said.replace(/\.$/, "")}` : ""
    }.`;
  } catch (error) {
    if (error instanceof CommandError && error.timedOut) {
      return `${capitalized(what)} (${
        argv[0]
      }) did not finish within ${policy.timeoutSeconds} s and was killed.`;
    }
    const why = error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
    return `${capitalized(what)} could not be run: ${why}.`;
  }
}

function firstLine(text: string): string {
  return text.split("\n").map((line) => line.trim()).find((line) => line !== "")?.slice(0, 200) ??
    "";
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
