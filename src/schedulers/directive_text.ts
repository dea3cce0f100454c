/** Text rules shared by the batch schedulers' generated scripts and their messages. */
import { CommandError, MolqError, UsageError } from "../core/errors.ts";

/** `stdout.log` → `stdout.<token>.log` (or `path.<token>` without an extension): per-task logs. */
export function insertBeforeExtension(path: string, token: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? `${path.slice(0, dot)}.${token}${path.slice(dot)}` : `${path}.${token}`;
}

/** A directive value must stay on its line, or it could smuggle in a directive of its own. */
export function singleLine(scheduler: string, flag: string, value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new UsageError(
      `The ${scheduler} directive ${flag} cannot hold a line break: ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** The first non-blank line of a command's output. */
export function firstLine(text: string): string {
  return text.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
}

/** What a scheduler said when it refused: its own words, not our wrapper's. */
export function schedulerMessage(error: unknown): string {
  const said = error instanceof CommandError && error.code !== null
    ? firstLine(error.stderr) || undefined
    : undefined;
  return said ?? commandDetail(error);
}

/** The message of an operational failure; anything else is a bug and is thrown on. */
export function commandDetail(error: unknown): string {
  if (error instanceof MolqError) return error.message;
  throw error;
}
