/** `molq doctor`'s mail line: whether `[notify] mail = ...` can be delivered from this host. */
import type { MolqConfig } from "../config/config.ts";
import { findMailProgram } from "../notify/mail_program.ts";
import type { Check } from "./doctor_report.ts";

export async function mailCheck(config: MolqConfig | null): Promise<Check> {
  const program = await findMailProgram();
  const wanted = [config?.notify, ...Object.values(config?.clusters ?? {}).map((p) => p.notify)]
    .some((notify) => notify?.mail !== undefined);
  if (program) {
    return {
      name: "mail",
      level: "ok",
      detail: `${program.kind} at ${program.path}: [notify] mail = "..." is delivered through it`,
    };
  }
  return {
    name: "mail",
    level: wanted ? "problem" : "ok",
    detail: wanted
      ? "the config mails notifications, but this host has no sendmail or mail program"
      : "no sendmail or mail program here: notifications can use a command, not mail",
    fix: wanted
      ? "install a mail transfer agent (sendmail, exim, postfix, msmtp-mta) or use [notify] command"
      : undefined,
  };
}
