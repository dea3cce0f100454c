/**
 * Command: molq's command-line parser, the part of commander's `Command` that molq uses,
 * with commander's parsing rules, help layout, messages and exit codes. It never exits the
 * process: help, the version and usage errors are printed, then thrown as a CommanderError.
 * A lazy command stands in for one whose module is imported only when it runs.
 */
import { Argument, humanReadableArgName } from "./argument.ts";
import { CommanderError } from "./commander_error.ts";
import { formatHelp, type HelpItem, optionDescription } from "./help_text.ts";
import { Option, type ParseFunction } from "./option.ts";
import { DEFAULT_OUTPUT, type OutputConfiguration } from "./output_configuration.ts";
import { splitArguments } from "./split_arguments.ts";
import { suggestSimilar } from "./suggest_similar.ts";

// deno-lint-ignore no-explicit-any
export type OptionValues = Record<string, any>;
// deno-lint-ignore no-explicit-any
export type ActionHandler = (...args: any[]) => void | Promise<void>;
/** molq hooks only the moment before an action runs. */
export type HookEvent = "preAction";
/** Called with the command the hook is on and the command whose action runs. */
export type HookHandler = (thisCommand: Command, actionCommand: Command) => void | Promise<void>;

/** How a lazy command shows in its parent's help until it is loaded. */
export interface LazyListing {
  /** `submit [options] [scheduler]`. */
  term: string;
  description: string;
}

const HELP_FLAGS = "-h, --help";
const HELP_DESCRIPTION = "display help for command";
const HELP_COMMAND = { name: "help", term: "help [command]" };

export class Command {
  readonly commands: Command[] = [];
  readonly options: Option[] = [];
  readonly registeredArguments: Argument[] = [];
  parent: Command | null = null;
  /** After parsing: the operands (and unknown options) this command was left with. */
  args: string[] = [];
  /** After parsing: the values of the registered arguments (variadic ones as arrays). */
  processedArgs: unknown[] = [];

  #name: string;
  #description = "";
  #values: OptionValues = {};
  #action: ((args: unknown[]) => void | Promise<void>) | null = null;
  readonly #hooks = new Map<HookEvent, HookHandler[]>();
  readonly #helpAfter: string[] = [];
  #version: { text: string; option: Option } | null = null;
  #output: OutputConfiguration = DEFAULT_OUTPUT;
  #exitCallback: ((error: CommanderError) => void) | null = null;
  #suggestAfterError = true;
  readonly #helpOption = new Option(HELP_FLAGS, HELP_DESCRIPTION);
  #lazy: { listing: LazyListing; load: () => Promise<Command> } | null = null;

  constructor(name = "") {
    this.#name = name;
  }

  /** A command defined elsewhere, loaded when it is run or its help is shown. */
  static lazy(name: string, listing: LazyListing, load: () => Promise<Command>): Command {
    const command = new Command(name).description(listing.description);
    command.#lazy = { listing, load };
    return command;
  }

  name(): string;
  name(name: string): this;
  name(name?: string): string | this {
    if (name === undefined) return this.#name;
    this.#name = name;
    return this;
  }

  description(): string;
  description(text: string): this;
  description(text?: string): string | this {
    if (text === undefined) return this.#description;
    this.#description = text;
    return this;
  }

  /** Adds `-V, --version`, which prints `text` and ends the parse. */
  version(): string | undefined;
  version(text: string, flags?: string, description?: string): this;
  version(
    text?: string,
    flags = "-V, --version",
    description = "output the version number",
  ): string | undefined | this {
    if (text === undefined) return this.#version?.text;
    const option = new Option(flags, description);
    this.#register(option);
    this.#version = { text, option };
    return this;
  }

  /** Adds a subcommand that shares this command's output and error settings; returns it. */
  command(nameAndArgs: string): Command {
    const [, name = "", args = ""] = /([^ ]+) *(.*)/.exec(nameAndArgs) ?? [];
    const command = new Command(name).copyInheritedSettings(this);
    for (const arg of args.split(/ +/).filter(Boolean)) command.argument(arg);
    this.addCommand(command);
    return command;
  }

  addCommand(command: Command): this {
    if (!command.#name) throw new Error("A command added to another one needs a name.");
    if (this.#findCommand(command.#name)) {
      throw new Error(`Cannot add the command "${command.#name}" twice.`);
    }
    this.commands.push(command);
    command.parent = this;
    return this;
  }

  /** `<required>`, `[optional]`, `<rest...>`; only the last one may take the rest. */
  argument(spelling: string, description?: string): this {
    if (this.registeredArguments.at(-1)?.variadic) {
      throw new Error(`Cannot add the argument "${spelling}" after a variadic one.`);
    }
    this.registeredArguments.push(new Argument(spelling, description));
    return this;
  }

  /**
   * `--long`, `-s, --long <value>`, `--long [value]`, `--no-long`; a parse function gets the
   * text and the value so far (for repeatable options) and may throw.
   */
  option(flags: string, description?: string, parse?: ParseFunction, defaultValue?: unknown): this;
  option(flags: string, description?: string, defaultValue?: unknown): this;
  option(flags: string, description?: string, parseOrDefault?: unknown, defaultValue?: unknown) {
    const option = new Option(flags, description);
    if (typeof parseOrDefault === "function") {
      option.parseArg = parseOrDefault as ParseFunction;
      option.defaultValue = defaultValue;
    } else {
      option.defaultValue = parseOrDefault;
    }
    this.#register(option);
    const key = option.attributeName();
    if (option.negate) {
      // `--no-x` alone defaults `x` to true; beside a `--x` option, `x` starts unset.
      if (!this.#findOption(option.long!.replace(/^--no-/, "--"))) {
        this.#values[key] = option.defaultValue ?? true;
      }
    } else if (option.defaultValue !== undefined) {
      this.#values[key] = option.defaultValue;
    }
    return this;
  }

  /** Text printed after the help (examples, notes). */
  addHelpText(position: "after", text: string): this {
    if (position !== "after") throw new Error(`Help text goes "after", not "${position}".`);
    this.#helpAfter.push(text);
    return this;
  }

  /** Runs with the arguments' values, then `opts()`, then the command itself. */
  action(handler: ActionHandler): this {
    this.#action = (args) => {
      const count = this.registeredArguments.length;
      return handler.apply(this, [...args.slice(0, count), this.opts(), this]);
    };
    return this;
  }

  hook(event: HookEvent, handler: HookHandler): this {
    this.#hooks.set(event, [...this.#hooks.get(event) ?? [], handler]);
    return this;
  }

  /** `handler` sees every CommanderError before it is thrown (the parser never exits). */
  exitOverride(handler?: (error: CommanderError) => void): this {
    this.#exitCallback = handler ?? null;
    return this;
  }

  configureOutput(): OutputConfiguration;
  configureOutput(configuration: Partial<OutputConfiguration>): this;
  configureOutput(configuration?: Partial<OutputConfiguration>): OutputConfiguration | this {
    if (configuration === undefined) return this.#output;
    this.#output = { ...this.#output, ...configuration };
    return this;
  }

  /** Whether an unknown command or option gets a "(Did you mean ...?)" line. */
  showSuggestionAfterError(display = true): this {
    this.#suggestAfterError = display;
    return this;
  }

  copyInheritedSettings(source: Command): this {
    this.#output = source.#output;
    this.#exitCallback = source.#exitCallback;
    this.#suggestAfterError = source.#suggestAfterError;
    return this;
  }

  /** The options' values by attribute name (`--dry-run` → `dryRun`). */
  opts<T extends OptionValues = OptionValues>(): T {
    return this.#values as T;
  }

  /** `[options] [command] <job-id...>`: what follows the command's name in its usage line. */
  usage(): string {
    return [
      "[options]",
      ...(this.commands.length ? ["[command]"] : []),
      ...this.registeredArguments.map(humanReadableArgName),
    ].join(" ");
  }

  helpInformation(options: { error?: boolean } = {}): string {
    const width = options.error ? this.#output.getErrHelpWidth() : this.#output.getOutHelpWidth();
    const ancestors: string[] = [];
    for (let c = this.parent; c; c = c.parent) ancestors.unshift(c.#name);
    const described = this.registeredArguments.some((a) => a.description);
    return formatHelp({
      usage: [...ancestors, this.#name, this.usage()].join(" "),
      description: this.#description,
      arguments: described
        ? this.registeredArguments.map((a) => ({ term: a.name(), description: a.description }))
        : [],
      options: this.#visibleOptions().map((o) => ({
        term: o.flags,
        description: optionDescription(o),
      })),
      commands: this.#visibleCommands(),
    }, width);
  }

  outputHelp(options: { error?: boolean } = {}): void {
    const write = options.error ? this.#output.writeErr : this.#output.writeOut;
    write(this.helpInformation(options));
    for (const text of this.#helpAfter) if (text) write(`${text}\n`);
  }

  /** Prints the help and ends the parse (exit code 1 when shown for an error). */
  help(options: { error?: boolean } = {}): never {
    this.outputHelp(options);
    return this.#exit(options.error ? 1 : 0, "commander.help", "(outputHelp)");
  }

  /** Prints `message` through outputError and ends the parse with a CommanderError. */
  error(message: string, options: { exitCode?: number; code?: string } = {}): never {
    this.#output.outputError(`${message}\n`, this.#output.writeErr);
    return this.#exit(options.exitCode || 1, options.code ?? "commander.error", message);
  }

  /** Parses `argv` (`from: "user"`: just the arguments) and runs the command it names. */
  async parseAsync(argv: readonly string[], options: { from?: "user" | "node" } = {}) {
    if (!this.#name) this.#name = "program";
    await this.#parseCommand([], options.from === "user" ? [...argv] : argv.slice(2));
    return this;
  }

  async #parseCommand(operandsBefore: string[], rest: string[]): Promise<void> {
    const split = splitArguments(rest, {
      findOption: (flag) => this.#findOption(flag),
      hasSubcommands: this.commands.length > 0,
      digitShortFlag: this.#chain().some((c) => c.options.some((o) => /^-\d$/.test(o.short ?? ""))),
    });
    for (const { option, value } of split.assignments) this.#assign(option, value);
    if (split.missingValue) {
      this.error(`error: option '${split.missingValue.flags}' argument missing`, {
        code: "commander.optionMissingArgument",
      });
    }
    const operands = [...operandsBefore, ...split.operands];
    const unknown = split.unknown;
    this.args = [...operands, ...unknown];
    const [first] = operands;
    if (this.#findCommand(first)) {
      return await this.#dispatchSubcommand(first!, operands.slice(1), unknown);
    }
    if (this.#hasHelpCommand() && first === HELP_COMMAND.name) {
      return await this.#dispatchHelpCommand(operands[1]);
    }
    if (this.commands.length && this.args.length === 0 && !this.#action) this.help({ error: true });
    if (unknown.some((arg) => this.#helpOption.is(arg))) {
      this.outputHelp();
      this.#exit(0, "commander.helpDisplayed", "(outputHelp)");
    }
    const refuseUnknown = () => {
      if (unknown.length > 0) this.#unknownOption(unknown[0]!);
    };
    if (this.#action) {
      refuseUnknown();
      this.#processArguments();
      for (const hooked of this.#chain().reverse()) {
        for (const hook of hooked.#hooks.get("preAction") ?? []) await hook(hooked, this);
      }
      return await this.#action(this.processedArgs);
    }
    if (operands.length && this.commands.length) this.#unknownCommand();
    refuseUnknown();
    if (this.commands.length) this.help({ error: true });
    this.#processArguments();
  }

  async #dispatchSubcommand(name: string, operands: string[], unknown: string[]): Promise<void> {
    const found = this.#findCommand(name);
    if (!found) this.help({ error: true });
    const command = await this.#resolve(found);
    await command.#parseCommand(operands, unknown);
  }

  async #dispatchHelpCommand(name: string | undefined): Promise<void> {
    if (!name) this.help();
    const found = this.#findCommand(name);
    if (found) (await this.#resolve(found)).help();
    await this.#dispatchSubcommand(name, [], [this.#helpOption.long!]);
  }

  /** A lazy command's real definition, loaded once, in its place among the commands. */
  async #resolve(command: Command): Promise<Command> {
    if (!command.#lazy) return command;
    const loaded = await command.#lazy.load();
    if (loaded.#name !== command.#name) {
      throw new Error(`The command "${command.#name}" loaded a command named "${loaded.#name}".`);
    }
    const inherit = (target: Command) => {
      target.copyInheritedSettings(command);
      target.commands.forEach(inherit);
    };
    inherit(loaded);
    loaded.parent = this;
    this.commands[this.commands.indexOf(command)] = loaded;
    return loaded;
  }

  #assign(option: Option, value: string | null | undefined): void {
    if (option === this.#version?.option) {
      this.#output.writeOut(`${this.#version.text}\n`);
      this.#exit(0, "commander.version", this.#version.text);
    }
    const key = option.attributeName();
    let result: unknown = value;
    if (value !== null && option.parseArg) result = option.parseArg(value!, this.#values[key]);
    if (result === null || result === undefined) {
      result = option.negate ? false : option.isBoolean() || option.optional ? true : "";
    }
    this.#values[key] = result;
  }

  #processArguments(): void {
    const declared = this.registeredArguments;
    for (const [i, argument] of declared.entries()) {
      if (argument.required && this.args[i] === undefined) {
        this.error(`error: missing required argument '${argument.name()}'`, {
          code: "commander.missingArgument",
        });
      }
    }
    if (!declared.at(-1)?.variadic && this.args.length > declared.length) {
      const expected = declared.length;
      const forCommand = this.parent ? ` for '${this.#name}'` : "";
      this.error(
        `error: too many arguments${forCommand}. Expected ${expected} argument${
          expected === 1 ? "" : "s"
        } but got ${this.args.length}.`,
        { code: "commander.excessArguments" },
      );
    }
    this.processedArgs = declared.map((argument, i) =>
      argument.variadic ? this.args.slice(i) : this.args[i]
    );
  }

  #unknownOption(flag: string): never {
    let suggestion = "";
    if (flag.startsWith("--") && this.#suggestAfterError) {
      const flags = this.#chain().flatMap((c) =>
        c.#visibleOptions().flatMap((o) => (o.long ? [o.long] : []))
      );
      suggestion = suggestSimilar(flag, flags);
    }
    return this.error(`error: unknown option '${flag}'${suggestion}`, {
      code: "commander.unknownOption",
    });
  }

  #unknownCommand(): never {
    const name = this.args[0]!;
    const names = [
      ...this.commands.map((c) => c.#name),
      ...(this.#hasHelpCommand() ? [HELP_COMMAND.name] : []),
    ];
    const suggestion = this.#suggestAfterError ? suggestSimilar(name, names) : "";
    return this.error(`error: unknown command '${name}'${suggestion}`, {
      code: "commander.unknownCommand",
    });
  }

  #exit(exitCode: number, code: string, message: string): never {
    const error = new CommanderError(exitCode, code, message);
    this.#exitCallback?.(error);
    throw error;
  }

  #register(option: Option): void {
    const clash = (option.short && this.#findOption(option.short)) ||
      (option.long && this.#findOption(option.long));
    if (clash) {
      throw new Error(
        `Cannot add the option "${option.flags}" to "${this.#name}": "${clash.flags}" has its flag.`,
      );
    }
    this.options.push(option);
  }

  #findOption(flag: string): Option | undefined {
    return this.options.find((option) => option.is(flag));
  }

  #findCommand(name: string | undefined): Command | undefined {
    return name ? this.commands.find((command) => command.#name === name) : undefined;
  }

  /** This command and its ancestors, innermost first. */
  #chain(): Command[] {
    const chain: Command[] = [this];
    for (let c = this.parent; c; c = c.parent) chain.push(c);
    return chain;
  }

  /** `help [command]` comes with subcommands, unless the command runs an action itself. */
  #hasHelpCommand(): boolean {
    return this.commands.length > 0 && !this.#action && !this.#findCommand(HELP_COMMAND.name);
  }

  /** The options, then `-h, --help` (less whichever flag an option of the command took). */
  #visibleOptions(): Option[] {
    const options = this.options.filter((option) => !option.hidden);
    const short = this.#findOption("-h");
    const long = this.#findOption("--help");
    if (!short && !long) return [...options, this.#helpOption];
    if (!long) return [...options, new Option("--help", HELP_DESCRIPTION)];
    if (!short) return [...options, new Option("-h", HELP_DESCRIPTION)];
    return options;
  }

  #visibleCommands(): HelpItem[] {
    const items = this.commands.map((c) => ({ term: c.#term(), description: c.#description }));
    if (this.#hasHelpCommand()) {
      items.push({ term: HELP_COMMAND.term, description: HELP_DESCRIPTION });
    }
    return items;
  }

  #term(): string {
    return this.#lazy ? this.#lazy.listing.term : subcommandTerm(this);
  }
}

/** How a command shows in its parent's list of commands: `list [options] [scheduler]`. */
export function subcommandTerm(command: Command): string {
  const args = command.registeredArguments.map(humanReadableArgName).join(" ");
  return command.name() + (command.options.length ? " [options]" : "") + (args ? ` ${args}` : "");
}
