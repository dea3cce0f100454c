/**
 * `--time 60` means 60 seconds in molq and in the Python molq, but 60 minutes to sbatch (and
 * qsub and bsub read bare numbers their own ways): a user typing it from habit would lose the
 * job after a minute, so a short bare number sent to a batch scheduler earns one note.
 */
import type { SchedulerKind } from "../core/job_record.ts";

/** Bare numbers below this many seconds get the note (ten minutes: rarely meant as seconds). */
export const BARE_TIME_NOTE_BELOW_SECONDS = 600;

export function bareTimeNote(time: string | undefined, scheduler: SchedulerKind): string | null {
  if (time === undefined || scheduler === "local") return null;
  const value = time.trim();
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) >= BARE_TIME_NOTE_BELOW_SECONDS) return null;
  return `--time ${value} means ${value} seconds; write ${value}m for minutes.`;
}
