/**
 * Where a cluster's commands run and its job files live: this machine, or a cluster over
 * SSH. Backends, submission and the evidence step talk only to a Runner, so local and
 * remote execution are the same code above it.
 */
import type { Environment, RunOptions, RunResult } from "./run_command.ts";
import type { HostIdentity } from "../core/host_identity.ts";

/** A job wrapper started in its own session: its pid (= process group) and its host. */
export interface DetachedStart {
  pid: number;
  host: HostIdentity;
}

export interface Runner {
  /** For messages: "this host", or `cluster "hpc" (ssh hpc1)`. */
  readonly where: string;
  /** True when commands and files are on another machine (molq's store stays here). */
  readonly remote: boolean;
  /**
   * Runs a command there. Throws CommandError when it cannot be started, times out, or
   * (without `allowFailure`) exits non-zero; a remote runner throws TransportError when
   * the link itself failed, so a caller never mistakes a lost answer for an empty one.
   */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * How many bytes of arguments a command there surely takes, where that is more than a few
   * KiB (the evidence step then sends its requests as arguments when they fit, not on stdin).
   */
  readonly argumentBytes?: number;
  /** Writes a file there (created or replaced), with `mode`. */
  writeFile(path: string, text: string, mode: number): Promise<void>;
  /** Creates a private directory there (0700), with its parents. */
  makePrivateDir(path: string): Promise<void>;
  /** Removes a file there; a missing file is not an error. */
  removeFile(path: string): Promise<void>;
  /**
   * Starts `/bin/sh SCRIPT` detached in a session of its own (it survives molq and the
   * connection), with `cwd`, and says its pid (= its process group) and the host. `env`
   * (runners on this machine only) is the whole environment it gets instead of molq's.
   */
  startDetached(scriptPath: string, cwd: string, env?: Environment): Promise<DetachedStart>;
  /**
   * The host's name (`uname -n`) where it is known without asking (this machine), so a
   * pass can leave other hosts' local jobs out of its evidence step.
   */
  knownHostname?(): string;
  /** The home directory there (remote runners: asked once). */
  homeDirectory?(): Promise<string>;
  /**
   * Ends any session it holds (a reconcile pass ends with it, so each pass costs one
   * session); the next call opens another. A master connection stays up.
   */
  close?(): Promise<void>;
}
