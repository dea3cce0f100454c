/** The Runner for this machine: commands through `runCommand`, files through Deno. */

import { MolqError } from "../core/errors.ts";
import { runCommand, type RunOptions, type RunResult } from "./run_command.ts";
import type { DetachedStart, Runner } from "./runner.ts";
import { startDetachedWith } from "./detached_start.ts";

export class LocalRunner implements Runner {
  readonly where = "this host";
  readonly remote = false;

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

  startDetached(scriptPath: string, cwd: string): Promise<DetachedStart> {
    return startDetachedWith(this, scriptPath, cwd);
  }
}

/** The shared local runner. */
export const localRunner: Runner = new LocalRunner();

function why(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
