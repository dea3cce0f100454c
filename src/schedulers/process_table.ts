/**
 * A snapshot of this machine's processes, read once per reconcile pass from /proc (or
 * one `ps` call where there is no /proc), so the status of many local jobs costs one
 * scan instead of one process per job.
 */
import { runCommand } from "../process/run_command.ts";

export interface ProcessTable {
  /** Command line of a live process, or undefined. */
  commandLine(pid: number): string | undefined;
  /** Whether any live process belongs to this process group. */
  groupAlive(pgid: number): boolean;
}

export async function readProcessTable(): Promise<ProcessTable> {
  try {
    Deno.statSync("/proc/self/stat");
  } catch {
    return await readWithPs();
  }
  return readProc();
}

function readProc(): ProcessTable {
  const groups = new Set<number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pgid = readPgid(entry.name);
    if (pgid !== undefined) groups.add(pgid);
  }
  return {
    commandLine(pid) {
      try {
        return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ").trim();
      } catch {
        return undefined;
      }
    },
    groupAlive: (pgid) => groups.has(pgid),
  };
}

/** Field 5 of /proc/PID/stat, after the parenthesised command name (which may hold spaces). */
function readPgid(pid: string): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined; // a zombie has finished
    return Number(fields[2]);
  } catch {
    return undefined; // exited while we looked
  }
}

async function readWithPs(): Promise<ProcessTable> {
  const { stdout } = await runCommand(["ps", "-A", "-o", "pid=,pgid=,stat=,command="]);
  const commands = new Map<number, string>();
  const groups = new Set<number>();
  for (const line of stdout.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || match[3]!.startsWith("Z")) continue;
    commands.set(Number(match[1]), match[4]!);
    groups.add(Number(match[2]));
  }
  return { commandLine: (pid) => commands.get(pid), groupAlive: (pgid) => groups.has(pgid) };
}
