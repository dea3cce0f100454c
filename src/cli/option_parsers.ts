/** Commander value parsers that turn bad values into one-sentence usage errors. */
import { UsageError } from "../core/errors.ts";

export function integerOption(flag: string, min = 1) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new UsageError(
        `Invalid ${flag} "${value}": expected a whole number of at least ${min}.`,
      );
    }
    if (!Number.isSafeInteger(Number(value))) {
      throw new UsageError(`Invalid ${flag} "${value}": it is too large.`);
    }
    return Number(value);
  };
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Collects repeatable `K=V` options into a record. */
export function keyValueOption(flag: string) {
  return (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const at = value.indexOf("=");
    if (at <= 0) throw new UsageError(`Invalid ${flag} "${value}": expected KEY=VALUE.`);
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

export function choiceOption<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`Invalid ${flag} "${value}": expected one of ${choices.join(", ")}.`);
    }
    return value as T;
  };
}

export function exitCodeOption(value: string, previous: number[] = []): number[] {
  if (!/^\d+$/.test(value) || Number(value) > 255) {
    throw new UsageError(
      `Invalid --retry-on-exit-code "${value}": expected a number from 0 to 255.`,
    );
  }
  return [...previous, Number(value)];
}
