/**
 * What a simulated job's processes use, measured the way a PBS MoM or an LSF RES does it on
 * Linux: by sampling /proc for the job's process tree (RSS summed, CPU ticks of the live
 * processes plus what they reaped). The launcher keeps the largest values it saw.
 */
import { runCommandSync } from "../../../src/process/run_command.ts";

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(runCommandSync(["getconf", name]).stdout.trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

const TICKS_PER_SECOND = sysconf("CLK_TCK", 100);
const PAGE_BYTES = sysconf("PAGESIZE", 4096);

export interface TreeSample {
  rssKb: number;
  cpuSeconds: number;
}

/** One sample of `rootPid` and its descendants; null where /proc cannot tell (not Linux). */
export function sampleProcessTree(rootPid: number): TreeSample | null {
  let rssBytes = 0;
  let ticks = 0;
  let seen = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    } catch {
      continue; // gone in between
    }
    // Fields after the command name in parentheses (which may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    rssBytes += Number(fields[21] ?? 0) * PAGE_BYTES;
    seen++;
    try {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
      if (children !== "") pending.push(...children.split(/\s+/).map(Number));
    } catch {
      // no children file (older kernels): the tree stops here
    }
  }
  if (seen === 0) return null;
  return { rssKb: Math.round(rssBytes / 1024), cpuSeconds: ticks / TICKS_PER_SECOND };
}
