/**
 * molq's command-line parser: commander's `Command` API as molq uses it (subcommands,
 * arguments, options with parse functions and defaults, help, suggestions), ES modules only.
 */
export { Command, subcommandTerm } from "./command.ts";
export type {
  ActionHandler,
  HookEvent,
  HookHandler,
  LazyListing,
  OptionValues,
} from "./command.ts";
export { CommanderError } from "./commander_error.ts";
export { Argument } from "./argument.ts";
export { Option } from "./option.ts";
export type { ParseFunction } from "./option.ts";
export type { OutputConfiguration } from "./output_configuration.ts";
