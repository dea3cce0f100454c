/**
 * The `molq` command line as it runs: the root command and, for every command, a stand-in
 * from the command manifest that imports the command's module only when it is used.
 * `molq --version` and `molq --help` import no command at all.
 */
import { Command } from "./command_line/mod.ts";
import type { CliContext } from "./context.ts";
import { rootCommand } from "./root_command.ts";
import { MANIFEST } from "./generated_manifest.ts";
import { COMMAND_MODULES } from "./command_modules.ts";

export function buildLazyProgram(context: () => CliContext): Command {
  const program = rootCommand();
  for (const listing of MANIFEST.commands) {
    const load = COMMAND_MODULES[listing.name];
    if (!load) {
      throw new Error(`The command "${listing.name}" has no module in command_modules.ts.`);
    }
    program.addCommand(Command.lazy(listing.name, listing, () => load(context)));
  }
  return program;
}
