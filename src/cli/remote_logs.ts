/**
 * Logs of a job on a remote cluster, read through its Runner (over the master connection):
 * the whole file or its last lines, and `--follow` by polling for what was added.
 */
import { MolqError } from "../core/errors.ts";
import type { Runner } from "../process/runner.ts";

/** `$1` path, `$2` lines or empty; exit 4 when there is no such file. */
const READ_LOG_SH = `[ -f "$1" ] || exit 4
if [ -n "$2" ]; then tail -n "$2" "$1"; else cat "$1"; fi`;

/**
 * `$1` path, `$2` byte offset: prints the size, a newline, then the bytes between the offset
 * and that size (what is written meanwhile comes with the next call, never twice).
 */
const READ_NEW_SH = `[ -f "$1" ] || { echo -1; exit 0; }
s=$(wc -c <"$1" | tr -d ' ')
echo "$s"
if [ "$s" -gt "$2" ]; then tail -c +"$(($2 + 1))" "$1" | head -c "$((s - $2))"; fi`;

/** `$1` path, `$2` bytes: the size, a newline, then at most the last `$2` bytes. */
const READ_TAIL_SH = `[ -f "$1" ] || { echo -1; exit 0; }
wc -c <"$1" | tr -d ' '
tail -c "$2" "$1"`;

/** The dashboard's log tail of a remote job (same shape as `readLogTail`). */
export async function readRemoteTail(runner: Runner, path: string, maxBytes: number) {
  const result = await runner.run(["/bin/sh", "-c", READ_TAIL_SH, "tail", path, String(maxBytes)]);
  const newline = result.stdout.indexOf("\n");
  const sizeBytes = Number(result.stdout.slice(0, newline));
  if (!(sizeBytes >= 0)) return { path, exists: false, text: "", sizeBytes: 0, partial: false };
  const partial = sizeBytes > maxBytes;
  let text = result.stdout.slice(newline + 1);
  if (partial && text.includes("\n")) text = text.slice(text.indexOf("\n") + 1);
  return { path, exists: true, text, sizeBytes, partial };
}

/** The log's text, or null when the job wrote none (yet). */
export async function readRemoteLog(
  runner: Runner,
  path: string,
  tail?: number,
): Promise<string | null> {
  const result = await runner.run([
    "/bin/sh",
    "-c",
    READ_LOG_SH,
    "logs",
    path,
    tail === undefined ? "" : String(tail),
  ], {
    allowFailure: true,
  });
  if (result.code === 4) return null;
  if (result.code !== 0) {
    const why = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
    throw new MolqError(`Cannot read ${path} on ${runner.where}: ${why}.`);
  }
  return result.stdout;
}

/** What was added past `offset`; a file that shrank is read again from its start. */
export async function readRemoteNew(
  runner: Runner,
  path: string,
  offset: number,
): Promise<{ text: string; size: number; reset: boolean }> {
  const first = await readNewFrom(runner, path, offset);
  if (first.size >= offset || first.size < 0) {
    return { ...first, size: Math.max(first.size, 0), reset: false };
  }
  const again = await readNewFrom(runner, path, 0);
  return { ...again, reset: true };
}

/** The log's size in bytes (0 when there is none yet). */
export async function remoteLogSize(runner: Runner, path: string): Promise<number> {
  return Math.max((await readNewFrom(runner, path, Number.MAX_SAFE_INTEGER)).size, 0);
}

async function readNewFrom(runner: Runner, path: string, offset: number) {
  const result = await runner.run(["/bin/sh", "-c", READ_NEW_SH, "follow", path, String(offset)]);
  const newline = result.stdout.indexOf("\n");
  const size = Number(result.stdout.slice(0, newline));
  const text = size < 0 || size < offset ? "" : result.stdout.slice(newline + 1);
  return { size: Number.isFinite(size) ? size : -1, text };
}
