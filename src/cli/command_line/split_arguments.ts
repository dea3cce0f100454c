/**
 * One command's pass over its arguments, as commander makes it: known options (also
 * `--opt=value`, `-n5` and `-qv` groups) are taken out with their values; the rest are
 * operands, up to the first unknown option, after which everything is left for a subcommand.
 */
import type { Option } from "./option.ts";

export interface OptionLookup {
  findOption(flag: string): Option | undefined;
  /** The command has subcommands: a leading `-5` there is an unknown option, not a value. */
  hasSubcommands: boolean;
  /** Some command in the chain has a digit as a short flag (`-1`), so `-1` is not a number. */
  digitShortFlag: boolean;
}

/** A known option as given: `undefined` for a flag, `null` for an optional value left out. */
export interface OptionAssignment {
  option: Option;
  value: string | null | undefined;
}

export interface SplitArguments {
  operands: string[];
  /** The first unknown option and everything after it. */
  unknown: string[];
  /** In the order given. */
  assignments: OptionAssignment[];
  /** The last argument was a known option that needs a value. */
  missingValue: Option | null;
}

const isOptionLike = (arg: string) => arg.length > 1 && arg[0] === "-";

export function splitArguments(args: readonly string[], lookup: OptionLookup): SplitArguments {
  const operands: string[] = [];
  const unknown: string[] = [];
  const assignments: OptionAssignment[] = [];
  const isNegativeNumber = (arg: string) =>
    /^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(arg) && !lookup.digitShortFlag;
  let dest = operands;
  let group: string | null = null; // what is left of `-abc` after `-a`
  let i = 0;
  while (i < args.length || group !== null) {
    const arg: string = group ?? args[i++]!;
    group = null;
    if (arg === "--") {
      if (dest === unknown) dest.push(arg);
      dest.push(...args.slice(i));
      break;
    }
    if (isOptionLike(arg)) {
      const option = lookup.findOption(arg);
      if (option) {
        if (option.required) {
          if (i >= args.length) return { operands, unknown, assignments, missingValue: option };
          assignments.push({ option, value: args[i++] });
        } else if (option.optional) {
          const next = args[i];
          const takes = next !== undefined && (!isOptionLike(next) || isNegativeNumber(next));
          assignments.push({ option, value: takes ? args[i++]! : null });
        } else {
          assignments.push({ option, value: undefined });
        }
        continue;
      }
    }
    if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-") {
      const option = lookup.findOption(`-${arg[1]}`);
      if (option) {
        if (option.required || option.optional) {
          assignments.push({ option, value: arg.slice(2) });
        } else {
          assignments.push({ option, value: undefined });
          group = `-${arg.slice(2)}`;
        }
        continue;
      }
    }
    if (/^--[^=]+=/.test(arg)) {
      const at = arg.indexOf("=");
      const option = lookup.findOption(arg.slice(0, at));
      if (option && (option.required || option.optional)) {
        assignments.push({ option, value: arg.slice(at + 1) });
        continue;
      }
    }
    if (
      dest === operands && isOptionLike(arg) && !(!lookup.hasSubcommands && isNegativeNumber(arg))
    ) {
      dest = unknown;
    }
    dest.push(arg);
  }
  return { operands, unknown, assignments, missingValue: null };
}
