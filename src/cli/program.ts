/**
 * The whole `molq` command line at once: every command's module imported up front. The CLI
 * itself loads only the command it runs (lazy_program.ts); this one is for describing
 * every command (the command manifest, tests).
 */
import type { Command } from "./command_line/mod.ts";
import type { CliContext } from "./context.ts";
import { rootCommand } from "./root_command.ts";
import { submitCommand } from "./commands/submit.ts";
import { listCommand } from "./commands/list.ts";
import { historyCommand } from "./commands/history.ts";
import { statusCommand } from "./commands/status.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { logsCommand } from "./commands/logs.ts";
import { watchCommand } from "./commands/watch.ts";
import { cancelCommand } from "./commands/cancel.ts";
import { refreshCommand } from "./commands/refresh.ts";
import { clustersCommand } from "./commands/clusters.ts";
import { cleanupCommand } from "./commands/cleanup.ts";
import { configCommand } from "./commands/config.ts";
import { monitorCommand } from "./commands/monitor.ts";
import { completionsCommand } from "./commands/completions.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { connectCommand, disconnectCommand } from "./commands/connect.ts";
import { importCommand } from "./commands/import.ts";
import { daemonCommand } from "./commands/daemon.ts";
import { reportCommand } from "./commands/report.ts";

export function buildProgram(context: () => CliContext): Command {
  const program = rootCommand();
  for (
    const command of [
      submitCommand,
      listCommand,
      historyCommand,
      statusCommand,
      inspectCommand,
      reportCommand,
      logsCommand,
      watchCommand,
      cancelCommand,
      refreshCommand,
      daemonCommand,
      clustersCommand,
      connectCommand,
      disconnectCommand,
      cleanupCommand,
      monitorCommand,
      configCommand,
      doctorCommand,
      importCommand,
      completionsCommand,
    ]
  ) {
    program.addCommand(command(context));
  }
  return program;
}
