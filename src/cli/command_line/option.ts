/**
 * An option of a command, from its flags: `-s, --long`, a value (`<required>` or
 * `[optional]`), `--no-x` for the negation of `x`; with a default and a parse function.
 */

/** Turns the text given for an option into its value; `previous` is the value so far. */
// deno-lint-ignore no-explicit-any
export type ParseFunction = (value: string, previous: any) => unknown;

export class Option {
  /** A value must follow the flag. */
  readonly required: boolean;
  /** A value may follow the flag. */
  readonly optional: boolean;
  readonly short: string | undefined;
  readonly long: string | undefined;
  /** `--no-x`: sets `x` to false. */
  readonly negate: boolean;
  defaultValue: unknown = undefined;
  parseArg: ParseFunction | undefined = undefined;
  /** Left out of help and completions (none of molq's options are). */
  readonly hidden = false;
  /** Fixed values a shell may complete the value to (molq's parse functions check them). */
  readonly argChoices: readonly string[] | undefined = undefined;

  constructor(readonly flags: string, readonly description = "") {
    this.required = flags.includes("<");
    this.optional = flags.includes("[");
    const { short, long } = splitOptionFlags(flags);
    this.short = short;
    this.long = long;
    this.negate = long?.startsWith("--no-") ?? false;
  }

  /** The flag without dashes: `dry-run`, `no-refresh`, `n`. */
  name(): string {
    return this.long ? this.long.replace(/^--/, "") : this.short!.replace(/^-/, "");
  }

  /** The key in `opts()`: `dryRun`; `refresh` for `--no-refresh`. */
  attributeName(): string {
    return camelcase(this.negate ? this.name().replace(/^no-/, "") : this.name());
  }

  is(arg: string): boolean {
    return this.short === arg || this.long === arg;
  }

  /** A plain flag: no value, not a negation. */
  isBoolean(): boolean {
    return !this.required && !this.optional && !this.negate;
  }
}

function camelcase(text: string): string {
  return text.split("-").reduce((joined, word) => joined + word[0]!.toUpperCase() + word.slice(1));
}

/** `-n, --limit <n>` → `-n` and `--limit`; a flag list it cannot read is a bug in molq. */
export function splitOptionFlags(flags: string): { short?: string; long?: string } {
  const shortFlag = /^-[^-]$/;
  const longFlag = /^--[^-]/;
  const parts = [...flags.split(/[ |,]+/), "guard"];
  let short: string | undefined;
  let long: string | undefined;
  if (shortFlag.test(parts[0]!)) short = parts.shift();
  if (longFlag.test(parts[0]!)) long = parts.shift();
  if (!short && shortFlag.test(parts[0]!)) short = parts.shift();
  if (!short && longFlag.test(parts[0]!)) {
    short = long;
    long = parts.shift();
  }
  if (parts[0]!.startsWith("-")) {
    throw new Error(
      `Cannot read the option flags "${flags}": "${parts[0]}" is not a flag molq takes.`,
    );
  }
  if (short === undefined && long === undefined) {
    throw new Error(`Cannot read the option flags "${flags}": no flag in them.`);
  }
  return { short, long };
}
