/** Finds the mail program of this host: sendmail (any MTA provides one) or mail/mailx. */
import { runCommand } from "../process/run_command.ts";

export interface MailProgram {
  kind: "sendmail" | "mail";
  path: string;
}

const SENDMAIL_PATHS = ["/usr/sbin/sendmail", "/usr/lib/sendmail"];

/**
 * sendmail on PATH, then at its usual paths (outside most users' PATH), then mail or mailx
 * on PATH; null when there is none.
 */
export async function findMailProgram(): Promise<MailProgram | null> {
  const onPathSendmail = await onPath("sendmail");
  if (onPathSendmail) return { kind: "sendmail", path: onPathSendmail };
  const fixed = SENDMAIL_PATHS.find(isExecutable);
  if (fixed) return { kind: "sendmail", path: fixed };
  for (const name of ["mail", "mailx"]) {
    const path = await onPath(name);
    if (path) return { kind: "mail", path };
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | null> {
  try {
    const result = await runCommand(["/bin/sh", "-c", 'command -v "$1"', "sh", name], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    const path = result.stdout.trim();
    return result.code === 0 && path.startsWith("/") ? path : null;
  } catch {
    return null;
  }
}
