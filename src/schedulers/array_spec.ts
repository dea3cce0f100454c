/**
 * The array grammar of `--array` (SPEC §7) as the local backend runs it: indexes and
 * ranges (`0-9`, `1,3,5`, `0-99:3`) and an optional `%N` throttle, expanded with the
 * same code that reads SLURM's task ranges.
 */
import { UsageError } from "../core/errors.ts";
import { expandTaskRange } from "./slurm_parse.ts";

/** The most tasks one local array may have: every pass looks at each of them. */
export const MAX_LOCAL_ARRAY_TASKS = 10_000;

export interface ArraySpec {
  /** Task indexes in the order given, without duplicates. */
  taskIds: string[];
  /** At most this many tasks at once (`%N`); null when the spec has no throttle. */
  throttle: number | null;
}

/** Parses `0-9`, `1,3,5`, `0-99:3`, `0-15%4`; throws a UsageError naming the problem. */
export function parseArraySpec(spec: string, maxTasks = MAX_LOCAL_ARRAY_TASKS): ArraySpec {
  const match = /^([0-9,:-]+)(?:%(\d+))?$/.exec(spec);
  const expanded = match ? expandTaskRange(`[${match[1]}]`, maxTasks + 1) : null;
  if (!match || expanded === null || expanded.length === 0) {
    throw new UsageError(
      `Invalid array "${spec}": expected indexes and ranges such as 0-9, 1,3,5, 0-99:3 or 0-99%10${
        expanded === null && match ? `, with at most ${maxTasks} tasks` : ""
      }.`,
    );
  }
  const taskIds = [...new Set(expanded.map((id) => String(Number(id))))];
  if (taskIds.length > maxTasks) {
    throw new UsageError(`Invalid array "${spec}": it has more than ${maxTasks} tasks.`);
  }
  const throttle = match[2] === undefined ? null : Number(match[2]);
  if (throttle !== null && throttle < 1) {
    throw new UsageError(`Invalid array "${spec}": the %N throttle must be at least 1.`);
  }
  return { taskIds, throttle };
}
