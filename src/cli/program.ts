/** The `molq` command line: global options and one subcommand per file. */
import { Command } from "./command_line/mod.ts";
import { COMMIT, VERSION } from "../build_info.ts";
import type { CliContext } from "./context.ts";
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

export function buildProgram(context: () => CliContext): Command {
  const program = new Command("molq")
    .description("Submit and monitor jobs on the local machine, SLURM, PBS and LSF.")
    .version(`molq ${VERSION} (${COMMIT})`, "-V, --version")
    .option("--db <path>", "store file (default: $MOLQ_DB or ~/.molq/jobs.db)")
    .option("--config <path>", "config file (default: $MOLQ_CONFIG or ~/.molq/config.toml)")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Examples:
  molq submit local -- python train.py --lr 0.1
  molq submit slurm --cpus 4 --mem 8G --time 2h -- python train.py
  molq list --all
  molq logs <job-id> local --stream stdout
  molq watch <job-id>
  molq monitor --all --limit 500 --refresh 1.5
  */5 * * * * molq refresh --quiet     (crontab)
  molq daemon --detach                 (where cron is not allowed)`,
    );
  for (
    const command of [
      submitCommand,
      listCommand,
      historyCommand,
      statusCommand,
      inspectCommand,
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
