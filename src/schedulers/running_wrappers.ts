/**
 * What a long-lived process (the dashboard, the daemon) remembers of the wrappers its
 * probes saw running in their job directories. Until the next full probe (at most
 * REVERIFY_MS later) a remembered wrapper counts as still running while its pid exists
 * and its job directory is unchanged: a wrapper writes its exit code (and a cancel or a
 * time-out its marker) into that directory, which moves its mtime. That is one kill(pid, 0)
 * and one stat instead of an evidence step. A wrapper killed outright (no exit code) and
 * left a zombie is found by the next full probe. Only for this machine's processes.
 */

/** Remembered wrappers are probed again at least this often. */
export const REVERIFY_MS = 30_000;

interface Seen {
  pid: number;
  mtimeMs: number;
  at: number;
}

export class RunningWrappers {
  readonly #seen = new Map<string, Seen>();

  constructor(
    readonly reverifyMs = REVERIFY_MS,
    readonly exists: (pid: number) => boolean = processExists,
    readonly mtimeOf: (dir: string) => number | null = directoryMtime,
  ) {}

  /** Whether `pid` was seen running in `dir` lately and nothing says it stopped since. */
  stillRunning(dir: string, pid: number, now: number): boolean {
    const seen = this.#seen.get(dir);
    if (!seen || seen.pid !== pid || now - seen.at >= this.reverifyMs || now < seen.at) {
      return false;
    }
    return this.exists(pid) && this.mtimeOf(dir) === seen.mtimeMs;
  }

  /**
   * The directories' mtimes before a probe: remembering what the probe then verifies
   * with these, a change made after this moment (an exit code written) is always seen.
   */
  mtimesBefore(dirs: Iterable<string>): Map<string, number> {
    const mtimes = new Map<string, number>();
    for (const dir of dirs) {
      const mtime = this.mtimeOf(dir);
      if (mtime !== null) mtimes.set(dir, mtime);
    }
    return mtimes;
  }

  /** Remembers what a probe verified (with the mtimes taken before it), forgets the rest. */
  remember(
    verified: Iterable<{ dir: string; pid: number }>,
    mtimes: ReadonlyMap<string, number>,
    keep: ReadonlySet<string>,
    now: number,
  ): void {
    for (const dir of this.#seen.keys()) if (!keep.has(dir)) this.#seen.delete(dir);
    for (const { dir, pid } of verified) {
      const mtimeMs = mtimes.get(dir);
      if (mtimeMs !== undefined) this.#seen.set(dir, { pid, mtimeMs, at: now });
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}

/** kill(pid, 0): the process exists and may be signalled by us (a zombie too). */
export function processExists(pid: number): boolean {
  try {
    // Signal 0 checks without sending anything; Deno passes it through to kill(2).
    Deno.kill(pid, 0 as unknown as Deno.Signal);
    return true;
  } catch {
    return false;
  }
}

function directoryMtime(dir: string): number | null {
  try {
    return Deno.statSync(dir).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}
