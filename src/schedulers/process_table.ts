/**
 * A host's processes from the one `ps` call of a reconcile pass's evidence step, so the
 * status of many local jobs costs one process instead of one per job. (Deno allows
 * reading /proc only with --allow-all, which the binary does not get.)
 */

export interface ProcessTable {
  /** Command line of a live process, or undefined. */
  commandLine(pid: number): string | undefined;
  /** Whether any live process belongs to this process group. */
  groupAlive(pgid: number): boolean;
}

/** Parses `ps -o pid=,pgid=,stat=,args=`; zombies have finished and are left out. */
export function parsePsOutput(stdout: string): ProcessTable {
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
