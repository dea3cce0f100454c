/**
 * Framing of commands sent through one long-lived remote `sh` (the stdin of `ssh HOST
 * /bin/sh`): each command's stdout and stderr are captured to files in a private directory
 * and printed back with their byte counts, then an end line with the exit status, so a
 * complete answer is told apart from a truncated one and a remote exit 255 from ssh's own.
 *
 *   MOLQ-OUT-<nonce> <bytes>\n<stdout>\n
 *   MOLQ-ERR-<nonce> <bytes>\n<stderr>\n
 *   MOLQ-END-<nonce> <code>[ no-cwd|not-found]\n
 */
import { shellQuote } from "../core/shell_quote.ts";

/** Why a command did not start: its directory is missing, or its program is. */
export type StartFailure = "no-cwd" | "not-found";

export interface FramedResult {
  code: number;
  stdout: string;
  stderr: string;
  startFailure: StartFailure | null;
}

export interface FramedCommandOptions {
  /** Fed to the command as its stdin (byte for byte); without it, stdin is /dev/null. */
  stdin?: string;
  /** Where it runs; `~` and `~/...` are the remote user's home. Default: the home. */
  cwd?: string;
  /** Exported for the command only. */
  env?: Record<string, string>;
  /**
   * Where the host has a `timeout` that takes `-k` (GNU coreutils, BSD, recent BusyBox; the
   * session start checks), the command and its children are ended after this many seconds
   * (TERM, then KILL 5 s later): a command molq gave up on never runs on there for ever.
   */
  timeoutSeconds?: number;
}

/** The session's private directory variable (set once by the session start). */
const DIR = "molq_d";

/** A random nonce for a marker: 16 hex digits. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * What the session runs first: a private directory for the captured output (removed when
 * the shell exits), then a ready line. Whatever a chatty shell start-up file prints comes
 * before the ready line and is skipped.
 */
export function renderSessionStart(nonce: string): string {
  checkNonce(nonce);
  return [
    `${DIR}=$(umask 077 && mktemp -d "\${TMPDIR:-/tmp}/molq-ssh.XXXXXX") || exit 97`,
    `trap 'rm -rf "$${DIR}"' EXIT`,
    "trap 'exit 129' HUP",
    "trap 'exit 143' TERM",
    "trap 'exit 141' PIPE", // the link is gone: still remove the directory
    // A `timeout` that takes `-k` (GNU, BSD, recent BusyBox) ends commands molq gave up on.
    "molq_t=; if command -v timeout >/dev/null 2>&1 && timeout -k 1 9 true >/dev/null 2>&1;" +
    " then molq_t=1; fi",
    `printf 'MOLQ-READY-%s\\n' ${nonce}`,
    "",
  ].join("\n");
}

/** A word for a remote path: `~` and `~/rest` expand to the remote home, nothing else does. */
export function remotePathWord(path: string): string {
  if (path === "~") return '"$HOME"';
  if (path.startsWith("~/")) return `"$HOME"/${shellQuote(path.slice(2))}`;
  return shellQuote(path);
}

/**
 * Shell text that runs `argv` (every word quoted; no shell features) and prints its frame.
 * The command runs in a subshell, so it can neither read the session's own stdin (the
 * commands that follow) nor change the session's directory or variables.
 */
export function renderFramedCommand(
  nonce: string,
  argv: readonly string[],
  options: FramedCommandOptions = {},
): string {
  checkNonce(nonce);
  const [program] = argv;
  if (program === undefined) throw new Error("renderFramedCommand() needs a program");
  for (const word of [...argv, options.stdin ?? "", options.cwd ?? ""]) {
    if (word.includes("\0")) throw new Error("A remote command cannot carry a NUL byte.");
  }
  const d = `"$${DIR}"`;
  const lines = [`: >${d}/r`];
  let input = "/dev/null";
  if (options.stdin !== undefined) {
    lines.push(`printf '%s' ${shellQuote(options.stdin)} >${d}/i`);
    input = `${d}/i`;
  }
  const body: string[] = [];
  body.push(`cd -- ${remotePathWord(options.cwd ?? "~")} || { echo no-cwd >${d}/r; exit 1; }`);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`Not an environment variable name: ${JSON.stringify(name)}.`);
    }
    body.push(`export ${name}=${shellQuote(value)}`);
  }
  const quotedProgram = shellQuote(program);
  body.push(
    `command -v ${quotedProgram} >/dev/null 2>&1 || { echo not-found >${d}/r;` +
      ` printf '%s: command not found\\n' ${quotedProgram} >&2; exit 127; }`,
  );
  const words = argv.map(shellQuote).join(" ");
  const limit = options.timeoutSeconds;
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Not a timeout: ${limit}.`);
    body.push(
      `if [ -n "\${molq_t:-}" ]; then exec timeout -k 5 ${limit} ${words}; fi`,
    );
  }
  body.push(`exec ${words}`);
  lines.push(`(\n${body.join("\n")}\n) <${input} >${d}/o 2>${d}/e`);
  lines.push("molq_c=$?");
  lines.push(`molq_w=; IFS= read -r molq_w <${d}/r || :`);
  lines.push(`printf 'MOLQ-OUT-%s %s\\n' ${nonce} $(wc -c <${d}/o)`);
  lines.push(`cat ${d}/o`);
  lines.push(`printf '\\nMOLQ-ERR-%s %s\\n' ${nonce} $(wc -c <${d}/e)`);
  lines.push(`cat ${d}/e`);
  lines.push(`printf '\\nMOLQ-END-%s %s%s\\n' ${nonce} "$molq_c" "\${molq_w:+ $molq_w}"`);
  return lines.join("\n") + "\n";
}

function checkNonce(nonce: string): void {
  if (!/^[A-Za-z0-9]{8,64}$/.test(nonce)) throw new Error(`Not a frame nonce: "${nonce}".`);
}

/** One step of reading a frame from the front of what the session printed. */
export type FrameParse =
  | { kind: "complete"; result: FramedResult; bytes: number }
  | { kind: "incomplete" }
  | { kind: "garbage"; detail: string };

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/** Reads the frame of the command marked `nonce` at the start of `bytes`. */
export function parseFrame(bytes: Uint8Array, nonce: string): FrameParse {
  const out = readCounted(bytes, 0, `MOLQ-OUT-${nonce} `);
  if (out.kind !== "ok") return out;
  const err = readCounted(bytes, out.next, `MOLQ-ERR-${nonce} `);
  if (err.kind !== "ok") return err;
  const end = readLine(bytes, err.next, `MOLQ-END-${nonce} `, 32);
  if (end.kind !== "ok") return end;
  const match = /^(\d{1,3})(?: (no-cwd|not-found))?$/.exec(end.text);
  if (!match || Number(match[1]) > 255) return garbage(bytes, err.next);
  return {
    kind: "complete",
    result: {
      code: Number(match[1]),
      stdout: decode(out.content),
      stderr: decode(err.content),
      startFailure: (match[2] as StartFailure | undefined) ?? null,
    },
    bytes: end.next,
  };
}

/** Reads a whole session output that has ended: exactly one frame, nothing after it. */
export function parseFramedOutput(
  output: string | Uint8Array,
  nonce: string,
): { kind: "complete"; result: FramedResult } | { kind: "truncated" } | {
  kind: "garbage";
  detail: string;
} {
  const bytes = typeof output === "string" ? encoder.encode(output) : output;
  const parsed = parseFrame(bytes, nonce);
  if (parsed.kind === "incomplete") return { kind: "truncated" };
  if (parsed.kind === "garbage") return parsed;
  if (parsed.bytes !== bytes.length) return garbage(bytes, parsed.bytes);
  return { kind: "complete", result: parsed.result };
}

/** Collects a session's stdout as it arrives and hands out ready lines and frames. */
export class FrameReader {
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;

  push(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buffer.length) {
      const size = this.#end - this.#start + chunk.length;
      const grown = new Uint8Array(Math.max(size * 2, this.#buffer.length));
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Bytes received and not yet handed out. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  /** What is pending, as text (for error messages). */
  pendingText(maxChars = 200): string {
    return decode(this.#view()).slice(0, maxChars);
  }

  /**
   * Consumes everything up to and including the session's ready line and returns what
   * came before it (start-up noise), or null while the ready line has not arrived.
   */
  takeReady(nonce: string): string | null {
    const marker = encoder.encode(`MOLQ-READY-${nonce}\n`);
    const view = this.#view();
    const at = indexOf(view, marker);
    if (at < 0) return null;
    const noise = decode(view.subarray(0, at));
    this.#start += at + marker.length;
    return noise;
  }

  /** The next frame if it is complete (consumed), incomplete, or garbage. */
  takeFrame(nonce: string): FrameParse {
    const parsed = parseFrame(this.#view(), nonce);
    if (parsed.kind === "complete") this.#start += parsed.bytes;
    return parsed;
  }

  #view(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }
}

type Step<T> = ({ kind: "ok"; next: number } & T) | { kind: "incomplete" } | {
  kind: "garbage";
  detail: string;
};

/** `PREFIX<digits>\n` then that many bytes and a newline. */
function readCounted(
  bytes: Uint8Array,
  at: number,
  prefix: string,
): Step<{ content: Uint8Array }> {
  const header = readLine(bytes, at, prefix, 16);
  if (header.kind !== "ok") return header;
  if (!/^\d{1,15}$/.test(header.text)) return garbage(bytes, at);
  const start = header.next;
  const stop = start + Number(header.text);
  if (bytes.length < stop + 1) return { kind: "incomplete" };
  if (bytes[stop] !== NEWLINE) return garbage(bytes, stop);
  return { kind: "ok", content: bytes.subarray(start, stop), next: stop + 1 };
}

/** `PREFIX<text>\n` with at most `maxText` bytes of text. */
function readLine(
  bytes: Uint8Array,
  at: number,
  prefix: string,
  maxText: number,
): Step<{ text: string }> {
  const expected = encoder.encode(prefix);
  const available = Math.min(expected.length, bytes.length - at);
  for (let i = 0; i < available; i++) {
    if (bytes[at + i] !== expected[i]) return garbage(bytes, at);
  }
  if (available < expected.length) return { kind: "incomplete" };
  const textStart = at + expected.length;
  const limit = Math.min(bytes.length, textStart + maxText + 1);
  for (let i = textStart; i < limit; i++) {
    if (bytes[i] === NEWLINE) {
      return { kind: "ok", text: decode(bytes.subarray(textStart, i)), next: i + 1 };
    }
  }
  return limit === textStart + maxText + 1 ? garbage(bytes, at) : { kind: "incomplete" };
}

function garbage(bytes: Uint8Array, at: number): { kind: "garbage"; detail: string } {
  return { kind: "garbage", detail: JSON.stringify(decode(bytes.subarray(at, at + 60))) };
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first!); i >= 0; i = haystack.indexOf(first!, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
