/** `molq config path|show|check`: where configuration comes from, what it resolves to, and whether it is valid. */
import { Command } from "../command_line/mod.ts";
import { UsageError } from "../../core/errors.ts";
import { configLocation } from "../../config/config_path.ts";
import { checkConfig } from "../../config/load_config.ts";
import { formatProblem } from "../../config/validate_config.ts";
import { renderConfig } from "../../config/render_config.ts";
import type { CliContext } from "../context.ts";

export function configCommand(context: () => CliContext): Command {
  const config = new Command("config")
    .description("Show where the configuration comes from, print it resolved, or check it")
    .addHelpText(
      "after",
      `
Examples:
  molq config path
  molq config check
  molq --config ./site.toml config show`,
    );
  config.command("path")
    .description("Print the config file molq reads, and why")
    .action(() => {
      const ctx = context();
      const location = configLocation(ctx.globals.config);
      let exists = true;
      try {
        Deno.statSync(location.path);
      } catch {
        exists = false;
      }
      ctx.print(
        `${location.path}  (from ${location.source}${exists ? "" : "; the file does not exist"})`,
      );
    });
  config.command("show")
    .description("Print the resolved configuration (defaults filled in, paths expanded)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const resolved = await ctx.config();
      if (options.json) ctx.printJson(resolved);
      else Deno.stdout.writeSync(new TextEncoder().encode(renderConfig(resolved)));
    });
  config.command("check")
    .description("Validate the config file and list every problem (exit 2 if any)")
    .action(async () => {
      const ctx = context();
      const check = await checkConfig({ configFlag: ctx.globals.config });
      if (check.problems.length === 0) {
        return ctx.print(
          check.path ? `${check.path}: ok` : "No config file; built-in defaults apply.",
        );
      }
      for (const problem of check.problems.slice(0, -1)) {
        console.error(`molq: ${formatProblem(check.path, problem)}`);
      }
      throw new UsageError(formatProblem(check.path, check.problems.at(-1)!));
    });
  return config;
}
