/**
 * The one master connection per cluster (OpenSSH ControlMaster with ControlPersist) and the
 * argument lists of every ssh call molq makes. Attach calls can never dial: a failed attach
 * would make ssh connect on its own (a second login, an MFA prompt), so they carry a
 * ProxyCommand that only prints NO_MASTER_MARK and fails.
 */
import { TransportError } from "../core/errors.ts";
import { runCommand } from "../process/run_command.ts";
import { sshFailureReason, sshFailureState } from "./ssh_failure.ts";
import { sleep } from "../core/timers.ts";

/** How to reach one cluster's master. */
export interface SshTarget {
  cluster: string;
  destination: string;
  /** The profile's extra ssh arguments (e.g. `-F FILE`), on every call. */
  sshOptions: readonly string[];
  controlPath: string;
}

/** What an attach call prints when there is no master to attach to. */
export const NO_MASTER_MARK = "molq: no master connection is open";

export const CONTROL_PERSIST = "4h";
const MASTER_READY_TIMEOUT_MS = 5_000;
const INTERACTIVE_TIMEOUT_MS = 600_000;

/**
 * Options that keep a call on the master's socket: it never makes a connection of its own
 * (ssh falls back to one when the socket does not answer as a master), never prompts.
 */
const NEVER_DIAL = [
  "-o",
  "ControlMaster=no",
  "-o",
  "BatchMode=yes",
  "-o",
  `ProxyCommand=sh -c 'echo ${NO_MASTER_MARK} >&2; exit 1'`,
];

/** `-J HOST` means nothing to an attach call and cannot be combined with a ProxyCommand. */
export function withoutJumpHost(sshOptions: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < sshOptions.length; i++) {
    const option = sshOptions[i]!;
    if (option === "-J") i++;
    else if (!option.startsWith("-J")) kept.push(option);
  }
  return kept;
}

/**
 * `ssh ... DEST COMMAND` through the master only: no terminal, no prompt, no forwarding, and
 * no connection of its own. molq's options come first: ssh keeps the first value it reads.
 */
export function attachArgv(target: SshTarget, remoteCommand: readonly string[]): string[] {
  return [
    "ssh",
    "-T",
    "-S",
    target.controlPath,
    ...NEVER_DIAL,
    "-o",
    "ClearAllForwardings=yes",
    // The session's stdin is data: no escape sequences; the command is ours, not the config's.
    "-o",
    "EscapeChar=none",
    "-o",
    "RemoteCommand=none",
    ...withoutJumpHost(target.sshOptions),
    "--",
    target.destination,
    ...remoteCommand,
  ];
}

/**
 * `ssh -O check|exit`: asks the master over its socket; never dials (ssh falls back to a
 * connection of its own when something else answers on the socket, so it cannot).
 */
export function controlArgv(target: SshTarget, command: "check" | "exit"): string[] {
  return [
    "ssh",
    "-S",
    target.controlPath,
    "-O",
    command,
    ...NEVER_DIAL,
    ...withoutJumpHost(target.sshOptions),
    "--",
    target.destination,
  ];
}

/** Starts a master in the background once it has logged in (`-N -f`). */
export function masterArgv(
  target: SshTarget,
  auth: "batch" | "interactive",
  connectTimeoutMs: number,
): string[] {
  return [
    "ssh",
    "-N",
    "-f",
    "-T",
    "-S",
    target.controlPath,
    "-o",
    "ControlMaster=yes",
    "-o",
    `ControlPersist=${CONTROL_PERSIST}`,
    "-o",
    "ClearAllForwardings=yes",
    "-o",
    "RemoteCommand=none",
    "-o",
    "PermitLocalCommand=no",
    ...(auth === "batch" ? ["-o", "BatchMode=yes"] : []),
    "-o",
    `ConnectTimeout=${Math.max(1, Math.ceil(connectTimeoutMs / 1000))}`,
    ...target.sshOptions,
    // After the profile's options, so that theirs win: notice a dead link within ~2 min.
    "-o",
    "ServerAliveInterval=30",
    "-o",
    "ServerAliveCountMax=4",
    "--",
    target.destination,
  ];
}

/** True when a master answers on the control socket. */
export async function checkMaster(target: SshTarget): Promise<boolean> {
  const result = await runCommand(controlArgv(target, "check"), {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (result.code === 0 && /^Master running/m.test(result.stderr)) return true;
  await removeStaleSocket(target, result.stderr);
  return false;
}

/** Ends the master; false when none was running. */
export async function closeMaster(target: SshTarget): Promise<boolean> {
  const result = await runCommand(controlArgv(target, "exit"), {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (result.code === 0) return true;
  await removeStaleSocket(target, result.stderr);
  return false;
}

/**
 * A socket nobody listens on (its master was killed) is removed: a new master could not
 * bind it and would stay logged in as a plain, unshared connection.
 */
async function removeStaleSocket(target: SshTarget, sshStderr: string): Promise<void> {
  if (!/^Control socket connect\(.*\): Connection refused$/m.test(sshStderr)) return;
  await Deno.remove(target.controlPath).catch(() => {});
}

export interface ConnectOptions {
  /** "interactive": prompts (password, one-time code, passphrase) reach the terminal. */
  auth: "batch" | "interactive";
  connectTimeoutMs?: number;
}

/**
 * Opens the master unless one is up, and returns once `ssh -O check` answers: "already"
 * or "opened". The master's own output goes to a file, never to a pipe molq reads (a master
 * or its ProxyCommand can hold such a pipe open for as long as it lives). Interactive
 * logins keep this process's stdin (ssh prompts on the terminal) and, when it is a terminal,
 * its stderr. Throws TransportError.
 */
export async function connectMaster(
  target: SshTarget,
  options: ConnectOptions,
): Promise<"already" | "opened"> {
  if (await checkMaster(target)) return "already";
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const log = await Deno.makeTempFile({ prefix: "molq-connect-", suffix: ".log" });
  try {
    const ssh = masterArgv(target, options.auth, connectTimeoutMs);
    const interactive = options.auth === "interactive";
    // Interactive: ssh prompts on the terminal; its messages (banners, one-time-code
    // instructions) go to stderr, kept when it is a terminal.
    const redirect = !interactive
      ? '</dev/null >>"$log" 2>&1'
      : Deno.stderr.isTerminal()
      ? '>>"$log"'
      : '>>"$log" 2>&1';
    const result = await runCommand(
      ["sh", "-c", `log=$1; shift; exec "$@" ${redirect}`, "molq-connect", log, ...ssh],
      interactive
        ? { inheritStdio: true, allowFailure: true, timeoutMs: INTERACTIVE_TIMEOUT_MS }
        : {
          allowFailure: true,
          timeoutMs: connectTimeoutMs + 10_000,
        },
    ).catch((error) => {
      throw new TransportError(target.cluster, connectFailure(target, String(error.message)));
    });
    const output = await Deno.readTextFile(log).catch(() => "");
    if (result.code !== 0) {
      const reason = sshFailureReason(output) ||
        (interactive ? "" : await proxyFailureReason(target, connectTimeoutMs)) ||
        `ssh exited with status ${result.code}`;
      throw new TransportError(
        target.cluster,
        connectFailure(target, reason),
        sshFailureState(output) === "needs-login",
      );
    }
    const deadline = Date.now() + MASTER_READY_TIMEOUT_MS;
    while (!(await checkMaster(target))) {
      if (Date.now() > deadline) {
        // ssh -f went on in the background without its master (a socket in the way): end it.
        await endLeftoverSsh(ssh);
        throw new TransportError(
          target.cluster,
          connectFailure(target, "ssh logged in but its master connection did not start"),
        );
      }
      await sleep(100);
    }
    return "opened";
  } finally {
    await Deno.remove(log).catch(() => {});
  }
}

/**
 * With ControlPersist, ssh sends its ProxyCommand's stderr to /dev/null, so a jump host's
 * "connection refused" never reaches the master's log. When the master failed without a
 * reason, one plain batch login (no master, no persist) is tried for ssh's own words.
 */
async function proxyFailureReason(target: SshTarget, connectTimeoutMs: number): Promise<string> {
  const argv = [
    "ssh",
    "-T",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${Math.max(1, Math.ceil(connectTimeoutMs / 1000))}`,
    ...target.sshOptions,
    "--",
    target.destination,
    "true",
  ];
  const result = await runCommand(argv, {
    allowFailure: true,
    timeoutMs: connectTimeoutMs + 10_000,
  })
    .catch(() => null);
  return result && result.code !== 0 ? sshFailureReason(result.stderr) : "";
}

/**
 * Ends the ssh processes running exactly `argv`: `-f` forks after logging in, so its pid is
 * known only from the process table.
 */
async function endLeftoverSsh(argv: readonly string[]): Promise<void> {
  const table = await runCommand(["ps", "-A", "-ww", "-o", "pid=,args="], { allowFailure: true })
    .catch(() => null);
  for (const pid of pidsRunning(table?.code === 0 ? table.stdout : "", argv)) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // it ended meanwhile
    }
  }
}

/** Pure: the pids of `ps -o pid=,args=` lines whose command line is exactly `argv`. */
export function pidsRunning(psOutput: string, argv: readonly string[]): number[] {
  const wanted = argv.join(" ");
  return psOutput.split("\n").flatMap((line) => {
    const match = /^\s*(\d+) (.*)$/.exec(line);
    return match && match[2] === wanted ? [Number(match[1])] : [];
  });
}

function connectFailure(target: SshTarget, reason: string): string {
  return `Cannot connect to cluster "${target.cluster}" (ssh ${target.destination}): ${
    reason.replace(/\.$/, "")
  }.`;
}
