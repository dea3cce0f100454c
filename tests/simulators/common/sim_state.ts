/**
 * On-disk state shared by the scheduler simulators: one directory per job, written with
 * atomic renames so concurrent commands (qsub, qstat, a job's launcher) never see half a file.
 */
import { join } from "node:path";

/** The simulator's state directory: `MOLQ_SIM_STATE`, or one under /tmp. */
export function stateDir(): string {
  const dir = Deno.env.get("MOLQ_SIM_STATE") ?? join("/tmp", `molq-sim-${Deno.uid() ?? "user"}`);
  Deno.mkdirSync(join(dir, "jobs"), { recursive: true });
  return dir;
}

export function jobDir(state: string, id: number): string {
  return join(state, "jobs", String(id));
}

/** Creates the next job directory; `mkdir` is atomic, so two submitters never share an id. */
export function allocateJob(state: string, firstId: number): { id: number; dir: string } {
  let id = Math.max(firstId, ...listJobIds(state).map((n) => n + 1));
  for (;;) {
    try {
      Deno.mkdirSync(jobDir(state, id));
      return { id, dir: jobDir(state, id) };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      id++;
    }
  }
}

export function listJobIds(state: string): number[] {
  const ids: number[] = [];
  for (const entry of Deno.readDirSync(join(state, "jobs"))) {
    if (/^\d+$/.test(entry.name)) ids.push(Number(entry.name));
  }
  return ids.sort((a, b) => a - b);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch {
    return undefined;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(value, null, 1));
  Deno.renameSync(tmp, path);
}

export { exists } from "../../../src/testing/exists.ts";

/** A number from the environment, or the fallback. */
export function envNumber(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  const value = text === undefined || text === "" ? NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `HH:MM:SS` for a number of seconds. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** `HH:MM:SS`, `MM:SS` or `SS` to seconds; NaN when malformed. */
export function parseClock(text: string): number {
  if (!/^\d+(:\d+){0,2}$/.test(text)) return NaN;
  return text.split(":").map(Number).reduce((total, part) => total * 60 + part, 0);
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The C library's `ctime` form without the newline: `Mon Nov 24 05:20:13 2026` (local time). */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())} ${d.getFullYear()}`;
}

/** LSF's short form: `Nov 24 05:20:13`, with the year appended when asked for. */
export function lsfTime(ms: number, withYear: boolean): string {
  const full = ctime(ms);
  return withYear ? full.slice(4) : full.slice(4, 19);
}

/** The user name the simulators put in owner fields. */
export function userName(): string {
  return Deno.env.get("USER") ?? Deno.env.get("LOGNAME") ?? "user";
}
