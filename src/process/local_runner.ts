/** The Runner for this machine: commands through `runCommand`, files through Deno. */

import { CommandError, MolqError } from "../core/errors.ts";
import {
  type Environment,
  runCommand,
  type RunOptions,
  type RunResult,
  spawnDetached,
} from "./run_command.ts";
import type { DetachedStart, Runner } from "./runner.ts";
import { startDetachedWith } from "./detached_start.ts";

export class LocalRunner implements Runner {
  readonly where = "this host";
  readonly remote = false;
  /**
   * Linux takes 2 MiB of arguments and environment with the usual 8 MiB stack (a quarter
   * of the stack limit), macOS 1 MiB: half a MiB leaves room for any environment.
   */
  readonly argumentBytes = 512 * 1024;
  /** This machine's boot id, once a start reported it (null: the system has none). */
  #bootId: string | null = null;

  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return runCommand(argv, options);
  }

  /** Deno's own errors pass through: they name the file, and callers say what failed. */
  async writeFile(path: string, text: string, mode: number): Promise<void> {
    await Deno.writeTextFile(path, text, { mode });
    await Deno.chmod(path, mode);
  }

  async makePrivateDir(path: string): Promise<void> {
    try {
      await Deno.mkdir(path, { recursive: true, mode: 0o700 });
      await Deno.chmod(path, 0o700);
    } catch (error) {
      throw new MolqError(`Cannot create the directory ${path}: ${why(error)}.`);
    }
  }

  async removeFile(path: string): Promise<void> {
    try {
      await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new MolqError(`Cannot remove ${path}: ${why(error)}.`);
      }
    }
  }

  /** gethostname(2): what `uname -n` prints. */
  knownHostname(): string {
    return Deno.hostname();
  }

  /**
   * DETACH_SH the first time, which also reads the boot id (Deno may read /proc only with
   * every permission); then, as a reboot ends this process, the same start without a shell
   * in between: `/bin/sh SCRIPT` spawned in a session of its own, the host named by
   * gethostname(2) as DETACH_SH names it.
   */
  async startDetached(scriptPath: string, cwd: string, env?: Environment): Promise<DetachedStart> {
    if (!this.#bootId) {
      const started = await startDetachedWith(this, scriptPath, cwd, env);
      this.#bootId = started.host.bootId;
      return started;
    }
    const argv = ["/bin/sh", scriptPath];
    if (!isDirectory(cwd)) {
      throw new CommandError(
        `Cannot start the job on ${this.where}: cannot enter ${cwd}.`,
        argv,
        null,
        "",
      );
    }
    const pid = spawnDetached(argv, { cwd, ...(env ? { env, clearEnv: true } : {}) });
    return { pid, host: { hostname: Deno.hostname(), bootId: this.#bootId } };
  }
}

/** The shared local runner. */
export const localRunner: Runner = new LocalRunner();

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function why(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
