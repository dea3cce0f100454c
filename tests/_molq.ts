/**
 * Test helpers: run the CLI as the binary is built (the bundle of main.ts that
 * `deno compile` embeds) with the binary's permissions in a private MOLQ_HOME.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledMain } from "../src/testing/bundled_main.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The entry point the tests run: main.ts bundled as the binary is (once per source version). */
export const MAIN = await bundledMain();
/** Exactly the permissions `deno task compile` grants the binary. */
export const BINARY_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];

export interface MolqResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  cwd: string;
  env: Record<string, string>;
  molq(
    args: string[],
    options?: { cwd?: string; env?: Record<string, string> },
  ): Promise<MolqResult>;
  /** Parses `--json` output of a successful command. */
  json<T = Record<string, unknown>>(args: string[]): Promise<T>;
}

/** Directories of this test module removed when it ends (every sandbox's among them). */
const removedAtExit: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const path of removedAtExit) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // a job may still be writing in it; /tmp is cleaned eventually
    }
  }
});

/** Removes `path` (recursively) when the test module ends. */
export function removeAtExit(path: string): void {
  removedAtExit.push(path);
}

export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  const base = Deno.makeTempDirSync({ prefix: "molq-e2e-" });
  removeAtExit(base);
  const home = join(base, "home");
  const cwd = join(base, "work");
  Deno.mkdirSync(cwd, { recursive: true });
  const env = { MOLQ_HOME: home, NO_COLOR: "1", ...extraEnv };
  const box: Sandbox = {
    home,
    cwd,
    env,
    molq: (args, options = {}) =>
      runMolq(args, { cwd: options.cwd ?? cwd, env: { ...env, ...options.env } }),
    async json(args) {
      const split = args.indexOf("--");
      const withJson = split === -1
        ? [...args, "--json"]
        : [...args.slice(0, split), "--json", ...args.slice(split)];
      const result = await box.molq(withJson);
      if (result.code !== 0) {
        throw new Error(`molq ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
      }
      return JSON.parse(result.stdout);
    },
  };
  return box;
}

/**
 * Runs `molq ARGS` as the binary would; `wrapper` runs it under another program (e.g.
 * `unshare ...` for a second login node), which must exec its arguments.
 */
export async function runMolq(
  args: string[],
  options: { cwd: string; env: Record<string, string>; wrapper?: string[] },
): Promise<MolqResult> {
  const argv = [Deno.execPath(), "run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args];
  const [program, ...rest] = [...(options.wrapper ?? []), ...argv];
  const output = await new Deno.Command(program!, {
    args: rest,
    cwd: options.cwd,
    env: { ...options.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A child's output read as it comes: `text()` so far, `done` once the stream ends. */
export function collectText(stream: ReadableStream<Uint8Array>): {
  done: Promise<void>;
  text: () => string;
} {
  let text = "";
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  })();
  return { done, text: () => text };
}

/** Waits until the job's wrapper has written its exit code file (no pass needs to have run). */
export async function exitCodeWritten(box: Sandbox, id: string): Promise<void> {
  const status = await runMolq(["status", id, "--no-refresh", "--json"], {
    cwd: box.cwd,
    env: box.env,
  });
  const jobDir = (JSON.parse(status.stdout) as { job_dir: string }).job_dir;
  await eventually(
    () => {
      try {
        return Deno.readTextFileSync(join(jobDir, "exit_code")).trim() || undefined;
      } catch {
        return undefined;
      }
    },
    20_000,
    "the job's exit code file",
  );
}
