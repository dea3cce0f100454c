/**
 * The one wrapper around `Deno.Command`: argument arrays only, a timeout, captured
 * output, and a CommandError naming the command, its exit code and stderr.
 */
import { CommandError } from "../core/errors.ts";
import { after, type Timer } from "../core/timers.ts";

/** A whole environment, or variables added to one. */
export type Environment = Readonly<Record<string, string>>;

export interface RunOptions {
  cwd?: string;
  /** Variables added to this process's environment. */
  env?: Environment;
  /** `env` is the whole environment (this machine only: a remote command gets its login's). */
  clearEnv?: boolean;
  stdin?: string;
  /** Kill the command (TERM, then KILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Return non-zero exits instead of throwing. */
  allowFailure?: boolean;
  /**
   * Run the command in a process group of its own and signal the whole group on
   * timeout: a site wrapper script's children (which hold our pipes open) die with it,
   * so the timeout really bounds the call.
   */
  ownProcessGroup?: boolean;
  /**
   * Give the command this process's stdin, stdout and stderr (a terminal, for prompts);
   * the result's stdout and stderr are then empty.
   */
  inheritStdio?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const KILL_GRACE_MS = 2_000;

/** Runs a command to completion. Throws CommandError on failure to start, timeout or non-zero exit. */
export async function runCommand(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("runCommand() needs a program");
  const inherit = options.inheritStdio ?? false;
  if (inherit && options.stdin !== undefined) {
    throw new Error("runCommand() cannot both inherit stdin and pass stdin text");
  }
  const group = options.ownProcessGroup ?? false;
  const session = group ? ownSession(argv) : { command: program, args, detached: false };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(session.command, {
      args: session.args,
      cwd: options.cwd,
      env: options.env as Record<string, string> | undefined,
      clearEnv: options.clearEnv,
      stdin: inherit ? "inherit" : options.stdin === undefined ? "null" : "piped",
      stdout: inherit ? "inherit" : "piped",
      stderr: inherit ? "inherit" : "piped",
      detached: session.detached,
    }).spawn();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "command not found" : String(error);
    throw new CommandError(`Cannot run ${program}: ${why}.`, argv, null, "");
  }
  if (options.stdin !== undefined) void writeStdin(child, options.stdin);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timedOut = false;
  // Once it fired, the KILL after the grace is sent whatever happens: the group may
  // outlive its leader.
  const killTimer = after(timeoutMs, () => {
    timedOut = true;
    signal(child, "SIGTERM", group);
    after(KILL_GRACE_MS, () => signal(child, "SIGKILL", group));
  });
  const stopTimers = () => killTimer.cancel();
  const result: RunResult = inherit
    ? {
      code: (await child.status.finally(stopTimers)).code,
      stdout: "",
      stderr: "",
    }
    : await child.output().finally(stopTimers).then((output) => ({
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
    }));
  const notStarted = group && !session.detached ? setsidFailure(program, result) : null;
  if (notStarted) throw new CommandError(`Cannot run ${program}: ${notStarted}.`, argv, null, "");
  if (timedOut) {
    throw new CommandError(
      `${program} timed out after ${timeoutMs / 1000} s.`,
      argv,
      null,
      result.stderr,
      true,
    );
  }
  if (result.code !== 0 && !options.allowFailure) {
    const detail = firstLine(result.stderr) || firstLine(result.stdout) || "no output";
    throw new CommandError(
      `${program} failed with exit code ${result.code}: ${detail}`,
      argv,
      result.code,
      result.stderr,
    );
  }
  return result;
}

/**
 * Runs a short, local, read-only command synchronously (for code that cannot wait, such as
 * opening the store). No stdin, no timeout: only for commands that cannot hang (`cat`, `df`).
 */
export function runCommandSync(argv: readonly string[], env?: Record<string, string>): RunResult {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("runCommandSync() needs a program");
  try {
    const output = new Deno.Command(program, { args, env, stdin: "null" }).outputSync();
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
    };
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "command not found" : String(error);
    throw new CommandError(`Cannot run ${program}: ${why}.`, argv, null, "");
  }
}

/** A running command whose stdin, stdout and stderr stay open for a conversation. */
export interface LiveProcess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves with the exit code (128 + signal number when killed) once it has ended. */
  readonly exited: Promise<number>;
  /** Writes to its stdin; rejects once the command has closed its end. */
  write(text: string): Promise<void>;
  /** Closes its stdin (the command reads end of file). */
  closeStdin(): Promise<void>;
  /** SIGTERM now, SIGKILL if it is still there after a grace period. */
  kill(): void;
}

/**
 * Starts a command for a conversation over its stdin and stdout (e.g. a remote shell):
 * nothing is collected; the caller reads both streams to their end. Throws CommandError
 * when it cannot be started.
 */
export function startProcess(
  argv: readonly string[],
  options: Pick<RunOptions, "cwd" | "env"> = {},
): LiveProcess {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("startProcess() needs a program");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "command not found" : String(error);
    throw new CommandError(`Cannot run ${program}: ${why}.`, argv, null, "");
  }
  const writer = child.stdin.getWriter();
  let ended = false;
  let killTimer: Timer | undefined;
  const exited = child.status.then((status) => {
    ended = true;
    killTimer?.cancel();
    return status.signal === null ? status.code : 128 + signalNumber(status.signal);
  });
  return {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    write: (text) => writer.write(new TextEncoder().encode(text)),
    closeStdin: () => writer.close().catch(() => {}),
    kill: () => {
      if (ended) return;
      signal(child, "SIGTERM");
      killTimer ??= after(KILL_GRACE_MS, () => signal(child, "SIGKILL"));
    },
  };
}

function signalNumber(name: Deno.Signal): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 } as Record<string, number>)[
    name
  ] ?? 0;
}

export type DetachedOptions = Pick<RunOptions, "cwd" | "env" | "clearEnv">;

/**
 * Starts a command in its own session (it survives this process, the terminal and
 * SSH hang-ups) with no pipes back to us, and returns its pid.
 */
export function spawnDetached(argv: readonly string[], options: DetachedOptions = {}): number {
  const [program] = argv;
  if (program === undefined) throw new Error("spawnDetached() needs a program");
  const { command, args, detached } = ownSession(argv);
  try {
    const child = new Deno.Command(command, {
      args,
      cwd: options.cwd,
      env: options.env as Record<string, string> | undefined,
      clearEnv: options.clearEnv,
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached,
    }).spawn();
    child.unref();
    return child.pid;
  } catch (error) {
    throw new CommandError(`Cannot start ${program}: ${String(error)}.`, argv, null, "");
  }
}

/**
 * How to start `argv` in a session of its own (pid = process group = session): `setsid
 * PROGRAM` where there is one, through Deno's cheap spawn path; else Deno's `detached`,
 * which forks the whole runtime (milliseconds for a large process).
 */
function ownSession(
  argv: readonly string[],
): { command: string; args: string[]; detached: boolean } {
  const setsid = setsidPath();
  if (setsid) return { command: setsid, args: [...argv], detached: false };
  const [command, ...args] = argv;
  return { command: command!, args, detached: true };
}

let setsidLocation: string | null | undefined;

/** util-linux's setsid where there is one (Linux); null elsewhere (macOS). */
function setsidPath(): string | null {
  if (setsidLocation === undefined) {
    setsidLocation = ["/usr/bin/setsid", "/bin/setsid"].find((path) => {
      try {
        return Deno.statSync(path).isFile;
      } catch {
        return false;
      }
    }) ?? null;
  }
  return setsidLocation;
}

async function writeStdin(child: Deno.ChildProcess, text: string): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  } catch {
    // The command exited without reading all of its input; its exit code tells the story.
  }
}

function signal(child: Deno.ChildProcess, name: Deno.Signal, group = false): void {
  try {
    if (group) Deno.kill(-child.pid, name);
    else child.kill(name);
  } catch {
    // Already gone.
  }
}

/** Why util-linux setsid could not execute `program` (exit 127: not found, 126: not runnable). */
function setsidFailure(program: string, result: RunResult): string | null {
  const prefix = `setsid: failed to execute ${program}: `;
  if ((result.code !== 126 && result.code !== 127) || !result.stderr.startsWith(prefix)) {
    return null;
  }
  return result.code === 127 ? "command not found" : firstLine(result.stderr.slice(prefix.length));
}

function firstLine(text: string): string {
  return text.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
}
