/**
 * What a reconcile pass's evidence step saw of a host's processes. On Linux it probes only
 * the pids it was given or found in job directories: every molq wrapper and array launcher
 * runs in its job directory, so "pid P runs in D" is one `stat` of /proc/P/cwd. Where that
 * cannot settle it (no /proc, a zombie, a pid reused or a group without its leader), the
 * step adds one `ps` of the whole table. (Deno allows reading /proc only with --allow-all,
 * which the binary does not get, so a shell does it.)
 */

/** A host's processes, as far as one evidence step needed to know them. */
export interface ProcessView {
  /** Whether a live process `pid` was started for the job directory `jobDir`. */
  runsIn(pid: number, jobDir: string): boolean;
  /** Whether any live process belongs to this process group. */
  groupAlive(pgid: number): boolean;
}

/** The whole table from `ps -o pid=,pgid=,stat=,args=`. */
export interface PsTable {
  /** Command line of a live process, or undefined. */
  commandLine(pid: number): string | undefined;
  groupAlive(pgid: number): boolean;
}

/** Parses `ps -o pid=,pgid=,stat=,args=`; zombies have finished and are left out. */
export function parsePsOutput(stdout: string): PsTable {
  const commands = new Map<number, string>();
  const groups = new Set<number>();
  for (const line of stdout.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match || match[3]!.startsWith("Z")) continue;
    commands.set(Number(match[1]), match[4]!);
    groups.add(Number(match[2]));
  }
  return { commandLine: (pid) => commands.get(pid), groupAlive: (pgid) => groups.has(pgid) };
}

/**
 * Probe results (`verified`: pids seen running in each job directory) and, when the step
 * needed it, the whole `ps` table. Without a table, every probed pid that did not verify
 * had neither a process nor a group: the step adds the table in any other case.
 */
export function processView(
  verified: ReadonlyMap<string, ReadonlySet<number>>,
  ps: PsTable | null,
): ProcessView {
  const leaders = new Set<number>();
  for (const pids of verified.values()) for (const pid of pids) leaders.add(pid);
  return {
    runsIn: (pid, jobDir) =>
      (verified.get(jobDir)?.has(pid) ?? false) ||
      (ps?.commandLine(pid)?.includes(jobDir) ?? false),
    groupAlive: (pgid) => leaders.has(pgid) || (ps?.groupAlive(pgid) ?? false),
  };
}
