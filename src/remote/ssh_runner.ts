/**
 * A Runner for one cluster over SSH: every command and file operation goes, one at a
 * time, through ONE remote `sh` attached to the cluster's master connection. Without a
 * master, an interactive cluster asks for `molq connect`; a key-based one opens the master
 * itself, within the connection budget every molq process shares through the ledger.
 */
import { startDetachedWith } from "../process/detached_start.ts";
import { CommandError, MolqError, TransportError } from "../core/errors.ts";
import type { RunOptions, RunResult } from "../process/run_command.ts";
import type { DetachedStart, Runner } from "../process/runner.ts";
import {
  CONNECT_INTERVAL_MS,
  halvedSessionLimit,
  isSessionRefused,
  sessionLimit,
} from "./connection_budget.ts";
import type { ConnectionLedger, LinkState } from "./connection_ledger.ts";
import {
  HOME_SCRIPT,
  MAKE_PRIVATE_DIR_SCRIPT,
  REMOVE_FILE_SCRIPT,
  WRITE_FILE_SCRIPT,
} from "./remote_file_scripts.ts";
import { type SessionSlots, slotsFor } from "./session_slots.ts";
import { sshFailureState } from "./ssh_failure.ts";
import {
  attachArgv,
  checkMaster,
  connectMaster,
  NO_MASTER_MARK,
  type SshTarget,
} from "./ssh_master.ts";
import { SessionOpenError, SshSession } from "./ssh_session.ts";
import { after, sleep } from "../core/timers.ts";

export interface SshRunnerOptions {
  cluster: string;
  /** An ssh destination: an alias from the user's ssh config, or `user@host`. */
  destination: string;
  /** The profile's extra ssh arguments (e.g. `["-F", "~/.ssh/config.hpc"]`). */
  sshOptions: readonly string[];
  /** From `resolveControlPath()`. */
  controlPath: string;
  /** "interactive": never dial; the user opens the master with `molq connect`. */
  auth: "batch" | "interactive";
  ledger: ConnectionLedger;
  /** Bound on opening a master and on a remote shell starting; default 15 s. */
  connectTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const SESSION_REFUSED_RETRIES = 3;

export class SshRunner implements Runner, AsyncDisposable {
  readonly where: string;
  readonly remote = true;
  readonly #options: SshRunnerOptions;
  readonly #target: SshTarget;
  readonly #connectTimeoutMs: number;
  #session: SshSession | null = null;
  #release: (() => void) | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #home: string | null = null;

  constructor(options: SshRunnerOptions) {
    this.#options = options;
    this.#target = {
      cluster: options.cluster,
      destination: options.destination,
      sshOptions: options.sshOptions,
      controlPath: options.controlPath,
    };
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.where = `cluster "${options.cluster}" (ssh ${options.destination})`;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.#serial(() => this.#run(argv, options));
  }

  async writeFile(path: string, text: string, mode: number): Promise<void> {
    await this.#script(`write ${path}`, WRITE_FILE_SCRIPT, [path, mode.toString(8)], text);
  }

  async makePrivateDir(path: string): Promise<void> {
    await this.#script(`create the directory ${path}`, MAKE_PRIVATE_DIR_SCRIPT, [path]);
  }

  async removeFile(path: string): Promise<void> {
    await this.#script(`remove ${path}`, REMOVE_FILE_SCRIPT, [path]);
  }

  startDetached(scriptPath: string, cwd: string): Promise<DetachedStart> {
    return startDetachedWith(this, scriptPath, cwd);
  }

  /** The remote user's home directory (asked once). */
  async homeDirectory(): Promise<string> {
    this.#home ??= (await this.#script("read $HOME", HOME_SCRIPT, [])).replace(/\n$/, "");
    return this.#home;
  }

  /** Ends the remote shell; the master stays up for the next caller. */
  close(): Promise<void> {
    return this.#serial(() => this.#endSession());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const program = argv[0];
    if (program === undefined) throw new Error("SshRunner.run() needs a program");
    const session = await this.#openSession();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let result;
    try {
      result = await session.exec(argv, {
        stdin: options.stdin,
        cwd: options.cwd,
        env: options.env,
      }, timeoutMs);
    } catch (error) {
      if (error instanceof TransportError) {
        await this.#endSession();
        this.#record("unreachable", error.message);
      }
      throw error;
    }
    if (result.startFailure === "not-found") {
      throw new CommandError(
        `Cannot run ${program} on ${this.where}: command not found.`,
        argv,
        null,
        result.stderr,
      );
    }
    if (result.startFailure === "no-cwd") {
      throw new CommandError(
        `Cannot run ${program} on ${this.where}: cannot enter ${options.cwd}.`,
        argv,
        null,
        result.stderr,
      );
    }
    const { code, stdout, stderr } = result;
    if (code !== 0 && !options.allowFailure) {
      const detail = firstLine(stderr) || firstLine(stdout) || "no output";
      throw new CommandError(
        `${program} failed with exit code ${code} on ${this.where}: ${detail}`,
        argv,
        code,
        stderr,
      );
    }
    return { code, stdout, stderr };
  }

  /** Runs a file-operation script; a failure names the operation, the cluster and why. */
  async #script(what: string, script: string, args: string[], stdin?: string): Promise<string> {
    const argv = ["/bin/sh", "-c", script, "molq", ...args];
    const result = await this.run(argv, { stdin, allowFailure: true, timeoutMs: 30_000 });
    if (result.code !== 0) {
      const detail = firstLine(result.stderr) || `exit code ${result.code}`;
      throw new MolqError(`Cannot ${what} on ${this.where}: ${detail.replace(/\.$/, "")}.`);
    }
    return result.stdout;
  }

  /** The open session, or a new one on the master (opening the master when allowed). */
  async #openSession(): Promise<SshSession> {
    if (this.#session?.alive) return this.#session;
    await this.#endSession();
    const { cluster, ledger } = this.#options;
    for (let attempt = 0;; attempt++) {
      await this.#ensureMaster();
      const limit = sessionLimit(ledger.readLink(cluster).sessionLimit);
      const slots = slotsFor(this.#target.controlPath, limit);
      const release = await acquireWithin(slots, DEFAULT_TIMEOUT_MS).catch(() => {
        throw new TransportError(
          cluster,
          `Cannot open an SSH session to cluster "${cluster}": all ${limit} sessions this molq may use on its connection stayed busy.`,
        );
      });
      try {
        const argv = attachArgv(this.#target, ["/bin/sh"]);
        this.#session = await SshSession.open(cluster, argv, this.#connectTimeoutMs);
        this.#release = release;
        this.#record("ok", null);
        return this.#session;
      } catch (error) {
        release();
        if (!(error instanceof SessionOpenError)) throw error;
        if (isSessionRefused(error.stderr) && attempt < SESSION_REFUSED_RETRIES) {
          ledger.recordSessionLimit(cluster, halvedSessionLimit(limit));
          await sleep(200 * 2 ** attempt);
          continue;
        }
        // The master went away between the check and the attach: check (and connect) again.
        if (error.stderr.includes(NO_MASTER_MARK) && attempt === 0) continue;
        const message = `Cannot open an SSH session to cluster "${cluster}": ${
          error.reason.replace(/\.$/, "")
        }.`;
        this.#record(sshFailureState(error.stderr), message);
        throw new TransportError(cluster, message, sshFailureState(error.stderr) === "needs-login");
      }
    }
  }

  /**
   * Returns once a master is up. An interactive cluster never dials. A key-based one opens
   * the master if no molq process opened a connection in the last 15 s; otherwise it waits
   * for that one, or fails at once with that attempt's failure.
   */
  async #ensureMaster(): Promise<void> {
    if (await checkMaster(this.#target)) return;
    const { cluster, ledger, auth } = this.#options;
    if (auth === "interactive") {
      const message =
        `Cluster "${cluster}" has no open SSH connection: run \`molq connect ${cluster}\`.`;
      this.#record("needs-login", message);
      throw new TransportError(cluster, message, true);
    }
    const deadline = Date.now() + CONNECT_INTERVAL_MS + this.#connectTimeoutMs;
    while (true) {
      if (ledger.claimConnect(cluster, Date.now(), CONNECT_INTERVAL_MS)) {
        try {
          await connectMaster(this.#target, {
            auth: "batch",
            connectTimeoutMs: this.#connectTimeoutMs,
          });
        } catch (error) {
          if (error instanceof TransportError) {
            this.#record(error.needsLogin ? "needs-login" : "unreachable", error.message);
          }
          throw error;
        }
        this.#record("ok", null);
        return;
      }
      const link = ledger.readLink(cluster);
      const failedSinceLastConnect = link.linkError !== null && link.linkErrorAt !== null &&
        link.lastConnectAt !== null && link.linkErrorAt >= link.lastConnectAt;
      if (failedSinceLastConnect) {
        throw new TransportError(
          cluster,
          link.linkError!,
          link.linkState === "needs-login",
          "molq opens at most one new connection to a cluster every 15 s.",
        );
      }
      if (Date.now() > deadline) {
        throw new TransportError(
          cluster,
          `Cannot connect to cluster "${cluster}": another molq process is connecting and no connection came up.`,
        );
      }
      await sleep(500);
      if (await checkMaster(this.#target)) return;
    }
  }

  async #endSession(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    try {
      await session?.close();
    } finally {
      this.#release?.();
      this.#release = null;
    }
  }

  /** Writes the link's state when it changed (most calls change nothing). */
  #record(state: LinkState, error: string | null): void {
    const { cluster, ledger } = this.#options;
    const link = ledger.readLink(cluster);
    if (link.linkState === state && link.linkError === error) return;
    ledger.recordLinkState(cluster, state, error, Date.now());
  }

  /** Runs `work` after everything queued before it: one command at a time per session. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work);
    this.#queue = result.catch(() => {});
    return result;
  }
}

function firstLine(text: string): string {
  return text.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
}

/** A slot on the master, or a rejection after `ms`. */
async function acquireWithin(slots: SessionSlots, ms: number): Promise<() => void> {
  const controller = new AbortController();
  const timer = after(ms, () => controller.abort(new Error("busy")));
  try {
    return await slots.acquire(controller.signal);
  } finally {
    timer.cancel();
  }
}
