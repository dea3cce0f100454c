/** The Runner for this machine: commands through `runCommand`, files through Deno. */

import { CommandError, MolqError } from "../core/errors.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import { runCommand, type RunOptions, type RunResult } from "./run_command.ts";
import type { DetachedStart, Runner } from "./runner.ts";
import { DETACH_SH } from "./host_scripts.ts";

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

  startDetached(scriptPath: string, cwd: string): Promise<DetachedStart> {
    return startDetachedWith(this, scriptPath, cwd);
  }
}

/** Starts a job wrapper through any runner with the shared detach script. */
export async function startDetachedWith(
  runner: Runner,
  scriptPath: string,
  cwd: string,
): Promise<DetachedStart> {
  const result = await runner.run(["/bin/sh", "-c", DETACH_SH, "detach", cwd, scriptPath], {
    timeoutMs: 30_000,
    allowFailure: true,
  });
  const fields = new Map(
    result.stdout.split("\n").map((
      line,
    ) => [line.split(" ")[0]!, line.slice(line.indexOf(" ") + 1)]),
  );
  const pid = Number(fields.get("pid"));
  const hostname = fields.get("host")?.trim();
  if (result.code !== 0 || !Number.isInteger(pid) || pid <= 1 || !hostname) {
    const reason = result.code === 97
      ? `cannot enter ${cwd}`
      : result.code === 98
      ? "neither setsid nor perl is available to start it in its own session"
      : result.stderr.trim() || `exit code ${result.code}`;
    throw new CommandError(
      `Cannot start the job on ${runner.where}: ${reason.replace(/\.$/, "")}.`,
      ["/bin/sh", scriptPath],
      result.code,
      result.stderr,
    );
  }
  const host: HostIdentity = { hostname, bootId: fields.get("boot")?.trim() || null };
  return { pid, host };
}

/** The shared local runner. */
export const localRunner: Runner = new LocalRunner();

function why(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
