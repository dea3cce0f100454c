/**
 * The Python molq's grammar: a job command may end with a scheduler word after its ids
 * (`molq status 3f2a slurm`). Job ids are hexadecimal, so a scheduler kind can never be
 * an id, and the split is a pure function of the words.
 */
import { UsageError } from "../core/errors.ts";
import { SCHEDULER_KINDS, type SchedulerKind } from "../core/job_record.ts";

export interface SplitWords {
  ids: string[];
  scheduler?: SchedulerKind;
}

export function isSchedulerWord(word: string): word is SchedulerKind {
  return (SCHEDULER_KINDS as readonly string[]).includes(word);
}

/** The refusal of a word that names no scheduler kind. */
export function unknownScheduler(word: string): UsageError {
  return new UsageError(
    `Unknown scheduler "${word}": expected one of ${SCHEDULER_KINDS.join(", ")}.`,
  );
}

/** Takes a trailing scheduler word off job-id arguments; a scheduler word elsewhere is an error. */
export function splitSchedulerWord(words: readonly string[]): SplitWords {
  const last = words.at(-1);
  const scheduler = last !== undefined && isSchedulerWord(last) ? last : undefined;
  const ids = scheduler === undefined ? [...words] : words.slice(0, -1);
  const misplaced = ids.find(isSchedulerWord);
  if (misplaced !== undefined) {
    throw new UsageError(
      `The scheduler "${misplaced}" goes once, after the job ids (molq status ID... ${misplaced}).`,
    );
  }
  return scheduler === undefined ? { ids } : { ids, scheduler };
}

/** `molq status slurm`: the scheduler word was there, the ids were not. */
export function missingIds(command: string): UsageError {
  return new UsageError(
    `missing required argument 'job-id': name the jobs before the scheduler (molq ${command} ID... SCHEDULER).`,
  );
}
