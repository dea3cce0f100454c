/**
 * `--mem 1024` means 1024 bytes in molq (sizes take a unit: SPEC §5), but 1024 MB to sbatch,
 * which SLURM users type from habit: a bare number too small to be meant as bytes earns
 * one note, as `--time 60` does.
 */
import type { SchedulerKind } from "../core/job_record.ts";

/** Bare numbers below this many bytes get the note (1 MiB: never meant as bytes). */
export const BARE_MEM_NOTE_BELOW_BYTES = 1024 ** 2;

export function bareMemNote(mem: string | undefined, scheduler: SchedulerKind): string | null {
  if (mem === undefined || scheduler === "local") return null;
  const value = mem.trim();
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) >= BARE_MEM_NOTE_BELOW_BYTES) return null;
  return `--mem ${value} means ${value} bytes; write ${value}M for mebibytes.`;
}
