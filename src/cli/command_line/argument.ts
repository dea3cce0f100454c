/** A positional argument of a command: `<required>`, `[optional]`, with `...` for the rest. */
export class Argument {
  readonly required: boolean;
  readonly variadic: boolean;
  /** Fixed values a shell may complete the argument to (none of molq's arguments set them). */
  readonly argChoices: readonly string[] | undefined = undefined;
  readonly #name: string;

  constructor(spelling: string, readonly description = "") {
    const bracket = spelling[0];
    this.required = bracket !== "[";
    let name = bracket === "<" || bracket === "[" ? spelling.slice(1, -1) : spelling;
    this.variadic = name.endsWith("...");
    if (this.variadic) name = name.slice(0, -3);
    this.#name = name;
  }

  name(): string {
    return this.#name;
  }
}

/** `<job-id...>` or `[scheduler]`, as usage lines show it. */
export function humanReadableArgName(argument: Argument): string {
  const name = argument.name() + (argument.variadic ? "..." : "");
  return argument.required ? `<${name}>` : `[${name}]`;
}
