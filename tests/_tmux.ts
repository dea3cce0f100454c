/** Test helpers: drive a real terminal program inside tmux (keys in, screen out). */
import { eventually } from "./_molq.ts";

/** Runs tmux; `new-session` is retried while a previous server shuts down. */
export async function tmux(...args: string[]): Promise<string> {
  const run = () => new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" }).output();
  let output = await run();
  // A server that is shutting down (its last session just ended) refuses new sessions briefly.
  for (let retry = 0; retry < 10 && !output.success && args[0] === "new-session"; retry++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    output = await run();
  }
  if (!output.success) {
    throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

export function screenOf(session: string) {
  return () => tmux("capture-pane", "-p", "-t", session);
}

/** Waits until the session's screen matches `pattern` (and not `absent`); returns it. */
export async function waitForScreen(
  session: string,
  pattern: RegExp,
  what: string,
  absent?: RegExp,
): Promise<string> {
  return await eventually(
    async () => {
      const screen = await screenOf(session)();
      return pattern.test(screen) && !absent?.test(screen) ? screen : undefined;
    },
    20_000,
    `${what} (${pattern})`,
  );
}

/** Polls for a file's text (written when the program in the session has ended). */
export async function fileText(path: string, what: string): Promise<string> {
  return await eventually(
    () => {
      try {
        return Deno.readTextFileSync(path) || undefined;
      } catch {
        return undefined;
      }
    },
    10_000,
    what,
  );
}
