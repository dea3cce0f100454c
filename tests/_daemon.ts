/**
 * Helpers for the `molq daemon` tests: a long-running molq process whose stderr is collected
 * as it comes, optionally on "another host" (its own UTS and pid namespaces through
 * `unshare`, sharing every file), and a direct look at the store's daemon lease.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { BINARY_PERMISSIONS, collectText, eventually, MAIN, type Sandbox } from "./_molq.ts";

export interface DaemonProcess {
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Waits until its stderr matches; returns the match. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal: Deno.Signal): void;
  /** Its exit code (the unshare wrapper's, on another host). */
  status: Promise<number>;
  pid: number;
}

/** Starts `molq ARGS` in the sandbox; with `hostname`, as if on another login node. */
export function startMolq(
  box: Sandbox,
  args: string[],
  options: { hostname?: string; env?: Record<string, string> } = {},
): DaemonProcess {
  const molq = [Deno.execPath(), "run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args];
  const argv = options.hostname === undefined ? molq : [
    "unshare",
    "--uts",
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    "sh",
    "-c",
    'hostname "$0" && "$@"',
    options.hostname,
    ...molq,
  ];
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: box.cwd,
    env: { ...box.env, ...options.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = collectText(child.stderr);
  const status = child.status.then(async (s) => {
    await stderr.done;
    return s.code;
  });
  return {
    stderr: stderr.text,
    waitFor: (pattern, what, timeoutMs = 30_000) =>
      eventually(
        () => stderr.text().match(pattern) ?? undefined,
        timeoutMs,
        `${what}; stderr:\n${stderr.text()}`,
      ),
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
    status,
    pid: child.pid,
  };
}

/** Whether this machine lets us make a namespace with its own hostname and pids (root). */
export async function unshareProblem(): Promise<string | null> {
  try {
    const output = await new Deno.Command("unshare", {
      args: ["--uts", "--pid", "--fork", "--mount-proc", "sh", "-c", "hostname molq-probe"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (output.success) return null;
    return new TextDecoder().decode(output.stderr).trim() || `unshare exited ${output.code}`;
  } catch (error) {
    return `cannot run unshare (${(error as Error).message})`;
  }
}

export interface LeaseView {
  owner: string | null;
  host: string | null;
  pid: number | null;
  beats: number;
}

/** The daemon lease as the store has it now. */
export function leaseOf(box: Sandbox): LeaseView {
  const db = new DatabaseSync(join(box.home, "jobs.db"));
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const row = db.prepare("SELECT owner, host, pid, beats FROM daemon_lease WHERE id = 1").get();
    return {
      owner: (row?.owner ?? null) as string | null,
      host: (row?.host ?? null) as string | null,
      pid: row?.pid === null || row?.pid === undefined ? null : Number(row.pid),
      beats: Number(row?.beats ?? 0),
    };
  } finally {
    db.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
