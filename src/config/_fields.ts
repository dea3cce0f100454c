/**
 * Typed readers for parsed TOML values. Each reader checks one value and, instead of
 * throwing, adds a problem at its dotted key so a whole file is checked in one pass.
 */
import { parseDurationSeconds } from "../core/duration.ts";
import { parseMemoryBytes } from "../core/memory.ts";
import { MolqError } from "../core/errors.ts";
import type { EnvGetter } from "./config_path.ts";
import { expandPath } from "./expand_path.ts";

/** One thing wrong with a config file: where (a dotted key or a line) and what. */
export interface ConfigProblem {
  at: string;
  /** Lower-case start, no final period: it is printed after `Invalid config FILE: AT: `. */
  message: string;
}

export type Table = Record<string, unknown>;
export type KeyPath = readonly string[];

/** `clusters.hpc.defaults.mem`; segments that are not bare TOML keys are quoted. */
export function dottedKey(path: KeyPath): string {
  return path.map((part) => /^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part)).join(
    ".",
  );
}

export class Problems {
  readonly list: ConfigProblem[] = [];

  add(path: KeyPath, message: string): void {
    this.list.push({ at: dottedKey(path), message });
  }

  /** A core parser's sentence (`Invalid memory size "x": expected y.`) as a problem. */
  addError(path: KeyPath, error: unknown): void {
    if (!(error instanceof MolqError)) throw error;
    this.add(path, problemFromSentence(error.message));
  }
}

/** `Invalid duration "x": expected y.` → `invalid duration "x" (expected y)`. */
export function problemFromSentence(sentence: string): string {
  const text = sentence.replace(/\.$/, "");
  const lowered = text.charAt(0).toLowerCase() + text.slice(1);
  const expected = /^(.*?): (expected .*)$/.exec(lowered);
  return expected ? `${expected[1]} (${expected[2]})` : lowered;
}

export function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** The TOML type of a parsed value, for "expected X, got Y" messages. */
export function tomlType(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a float";
  if (value instanceof Date) return "a date-time";
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return typeof value;
}

/**
 * The table at `path`, with a problem for each key outside `known`; undefined when the
 * key is absent or not a table (the latter reported).
 */
export function readTable(
  value: unknown,
  path: KeyPath,
  problems: Problems,
  known: readonly string[],
): Table | undefined {
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    problems.add(path, `expected a table, got ${tomlType(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = closestKey(key, known);
    problems.add([...path, key], `unknown key${guess ? ` (did you mean "${guess}"?)` : ""}`);
  }
  return value;
}

export function readString(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    problems.add([...path, key], `expected a string, got ${tomlType(value)}`);
    return undefined;
  }
  if (value.trim() === "") {
    problems.add([...path, key], "must not be empty");
    return undefined;
  }
  return value;
}

export function readBoolean(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
): boolean | undefined {
  const value = table[key];
  if (value === undefined || typeof value === "boolean") return value;
  problems.add([...path, key], `expected true or false, got ${tomlType(value)}`);
  return undefined;
}

export function readInteger(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
  min: number,
): number | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    problems.add([...path, key], `expected an integer, got ${tomlType(value)}`);
    return undefined;
  }
  if (value < min) {
    problems.add(
      [...path, key],
      `must be ${min === 1 ? "positive" : `at least ${min}`}, not ${value}`,
    );
    return undefined;
  }
  return value;
}

export function readChoice<T extends string>(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
  choices: readonly T[],
): T | undefined {
  const value = readString(table, key, path, problems);
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  problems.add([...path, key], `unknown value "${value}" (expected one of ${choices.join(", ")})`);
  return undefined;
}

/** A memory size as a string in the `--mem` grammar. */
export function readMemory(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
): number | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    problems.add([...path, key], `expected a string such as "16G", got ${tomlType(value)}`);
    return undefined;
  }
  try {
    return parseMemoryBytes(value);
  } catch (error) {
    problems.addError([...path, key], error);
    return undefined;
  }
}

/** A duration as a string in the `--time` grammar, or a positive integer of seconds. */
export function readDuration(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
): number | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value === "number" && Number.isInteger(value)) {
    return readInteger(table, key, path, problems, 1);
  }
  if (typeof value !== "string") {
    problems.add([...path, key], `expected a duration such as "30m", got ${tomlType(value)}`);
    return undefined;
  }
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    problems.addError([...path, key], error);
    return undefined;
  }
}

/** A path with `$VAR`, `${VAR}` and a leading `~` expanded. */
export function readPath(
  table: Table,
  key: string,
  path: KeyPath,
  problems: Problems,
  env: EnvGetter,
): string | undefined {
  const value = readString(table, key, path, problems);
  if (value === undefined) return undefined;
  try {
    return expandPath(value, env);
  } catch (error) {
    problems.addError([...path, key], error);
    return undefined;
  }
}

/** A known key within edit distance 2 of a typo, if there is exactly one best. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
