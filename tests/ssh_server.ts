/**
 * A private sshd for the SSH tests (scripts/sshd-dev.sh with a state directory and a port
 * of their own, so a developer's server is left alone): the cluster side is the
 * `molqcluster` account on this machine. Tests skip, saying why, only when they cannot run
 * an sshd here (not root).
 */
import assert from "node:assert/strict";
import { runCommand } from "../src/process/run_command.ts";

const SCRIPT = new URL("../scripts/sshd-dev.sh", import.meta.url).pathname;

/** The Unix account standing in for the cluster. */
export const ACCOUNT = "molqcluster";
/** Why the SSH tests cannot run here, or null. */
export const SKIP_REASON = Deno.uid() !== 0
  ? "a private sshd with its own account needs root"
  : null;

export const state = SKIP_REASON ? "" : await Deno.makeTempDir({ prefix: "molq-sshd-test-" });
export const port = SKIP_REASON ? 0 : await freePort();
/** `ssh -F sshConfig molq-test CMD` reaches the cluster account. */
export const sshConfig = `${state}/ssh_config`;
const sshdLog = `${state}/sshd.log`;

/** A loopback port nothing listens on (read from /proc/net/tcp*: no --allow-net needed). */
export async function freePort(): Promise<number> {
  const { stdout } = await runCommand(["cat", "/proc/net/tcp", "/proc/net/tcp6"]);
  const listening = new Set<number>();
  for (const line of stdout.split("\n")) {
    const [, local, , socketState] = line.trim().split(/\s+/);
    if (socketState === "0A" && local) listening.add(parseInt(local.split(":").at(-1)!, 16));
  }
  assert.ok(listening.size > 0, "no listening sockets seen in /proc/net/tcp");
  for (;;) {
    const candidate = 20_000 + Math.floor(Math.random() * 20_000);
    if (!listening.has(candidate)) return candidate;
  }
}

/** Runs `sshd-dev.sh COMMAND` for this server (start, stop, kill-connections, ...). */
export async function sshd(command: string, env: Record<string, string> = {}): Promise<void> {
  await runCommand(["bash", SCRIPT, command], {
    env: { MOLQ_SSHD_DIR: state, MOLQ_SSHD_PORT: String(port), ...env },
    timeoutMs: 300_000,
  });
}

/** Settles once the server accepts logins. */
export const ready: Promise<void> = SKIP_REASON ? Promise.resolve() : sshd("start");
ready.catch(() => {}); // reported by every test that awaits it

/** Lines of the server's log (LogLevel VERBOSE) that contain `text`. */
async function logLines(text: string): Promise<number> {
  const log = await Deno.readTextFile(sshdLog);
  return log.split("\n").filter((line) => line.includes(text)).length;
}

/** Authenticated connections so far. */
export const acceptedLogins = (): Promise<number> => logLines("Accepted publickey");
/** Sessions (channels running a command) so far. */
export const sessionsStarted = (): Promise<number> => logLines("Starting session:");

/** Stops the server and removes its state directory. */
export async function stopServer(): Promise<void> {
  await ready.catch(() => {});
  await sshd("stop").catch(() => {});
  await Deno.remove(state, { recursive: true });
}
