/** The `molq` command itself: its description, version, global options and examples. */
import { Command } from "./command_line/mod.ts";
import { COMMIT, VERSION } from "../build_info.ts";

export function rootCommand(): Command {
  return new Command("molq")
    .description("Submit and monitor jobs on the local machine, SLURM, PBS, LSF and Grid Engine.")
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
  molq report --run sweep              (what the jobs used; the next request)
  molq monitor --all --limit 500 --refresh 1.5
  */5 * * * * molq refresh --quiet     (crontab)
  molq daemon --detach                 (where cron is not allowed)`,
    );
}
