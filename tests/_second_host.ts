/**
 * A second login node for tests: the real CLI under `unshare --uts --pid --fork
 * --mount-proc` with its own hostname and process table, sharing every file (as login
 * nodes share a home). Processes started there end with the namespace.
 */
import { type MolqResult, runMolq, type Sandbox } from "./_molq.ts";

let available: Promise<string | null> | undefined;

/** Null when a second host can be made here, else why not (the tests then say so and skip). */
export function secondHostUnavailable(): Promise<string | null> {
  available ??= (async () => {
    try {
      const output = await new Deno.Command("unshare", {
        args: ["--uts", "--pid", "--fork", "--mount-proc", "hostname", "molq-probe"],
        stdout: "null",
        stderr: "piped",
      }).output();
      return output.code === 0 ? null : new TextDecoder().decode(output.stderr).trim();
    } catch (error) {
      return String(error);
    }
  })();
  return available;
}

/** Runs `molq ARGS` of `box` on the host `hostname`. */
export function molqOn(
  hostname: string,
  box: Sandbox,
  args: string[],
  env: Record<string, string> = {},
): Promise<MolqResult> {
  return runMolq(args, {
    cwd: box.cwd,
    env: { ...box.env, ...env },
    wrapper: [
      "unshare",
      "--uts",
      "--pid",
      "--fork",
      "--mount-proc",
      "/bin/sh",
      "-c",
      'hostname "$1" && shift && exec "$@"',
      "sh",
      hostname,
    ],
  });
}

/** Says once, on stderr, why a second host's tests were skipped. */
export function skipSecondHost(what: string, why: string): void {
  console.error(`SKIPPED ${what}: unshare cannot make a second host here (${why}).`);
}
