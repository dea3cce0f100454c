/** Starting a job wrapper detached, through any Runner, with the shared detach script. */
import { CommandError } from "../core/errors.ts";
import type { HostIdentity } from "../core/host_identity.ts";
import type { DetachedStart, Runner } from "./runner.ts";
import type { Environment } from "./run_command.ts";
import { DETACH_SH } from "./host_scripts.ts";

/**
 * Runs DETACH_SH through `runner` and reads back the pid and the host it started on; with
 * `env`, the script (and so the job) gets that whole environment.
 */
export async function startDetachedWith(
  runner: Runner,
  scriptPath: string,
  cwd: string,
  env?: Environment,
): Promise<DetachedStart> {
  const result = await runner.run(["/bin/sh", "-c", DETACH_SH, "detach", cwd, scriptPath], {
    timeoutMs: 30_000,
    allowFailure: true,
    ...(env ? { env, clearEnv: true } : {}),
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
