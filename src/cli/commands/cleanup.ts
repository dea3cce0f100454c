/** `molq cleanup`: remove old job directories and old finished records (SPEC §6). */
import { Command } from "../command_line/mod.ts";
import { MolqError } from "../../core/errors.ts";
import { parseDurationSeconds } from "../../core/duration.ts";
import { formatMemory } from "../../core/memory.ts";
import { applyRetention } from "../../store/retention.ts";
import type { CliContext } from "../context.ts";

const DAY_MS = 86_400_000;

interface CleanupOptions {
  dryRun?: boolean;
  dirsOlderThan?: string;
  recordsOlderThan?: string;
  keepFailedDirs?: boolean;
  json?: boolean;
}

export function cleanupCommand(context: () => CliContext): Command {
  return new Command("cleanup")
    .description("Remove old job directories and old finished records")
    .option("--dry-run", "report what would be removed; remove nothing")
    .option(
      "--dirs-older-than <duration>",
      "remove directories of jobs that finished longer ago (default: 30d, or [retention] job_dirs_days)",
    )
    .option(
      "--records-older-than <duration>",
      "delete records of jobs that finished longer ago (default: 90d, or [retention] records_days)",
    )
    .option("--keep-failed-dirs", "keep directories of failed, timed-out and lost jobs (default)")
    .option("--no-keep-failed-dirs", "remove those too")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Only finished jobs are touched; the directory of an active job is never removed. A
record's directory goes with the record (nothing could find it afterwards), also a
failed job's.

Examples:
  molq cleanup --dry-run
  molq cleanup --dirs-older-than 7d --no-keep-failed-dirs
  0 3 * * * molq cleanup >/dev/null      (crontab: errors still reach stderr)`,
    )
    .action(async (options: CleanupOptions) => {
      const ctx = context();
      const policy = (await ctx.config()).retention;
      const dirsOlderThanMs = options.dirsOlderThan === undefined
        ? policy.jobDirsDays * DAY_MS
        : parseDurationSeconds(options.dirsOlderThan, "--dirs-older-than") * 1000;
      const recordsOlderThanMs = options.recordsOlderThan === undefined
        ? policy.recordsDays * DAY_MS
        : parseDurationSeconds(options.recordsOlderThan, "--records-older-than") * 1000;
      const report = applyRetention(ctx.store, {
        dirsOlderThanMs,
        recordsOlderThanMs,
        keepFailedDirs: options.keepFailedDirs ?? policy.keepFailedDirs,
        dryRun: !!options.dryRun,
      });
      if (options.json) {
        ctx.printJson({
          dry_run: report.dryRun,
          directories: report.directories,
          records: report.records,
          kept_failed_directories: report.keptFailedDirectories,
          errors: report.errors,
        });
      } else {
        const verb = report.dryRun ? "Would remove" : "Removed";
        const dirs = report.directories;
        ctx.print(
          `${verb} ${dirs.count} job ${plural(dirs.count, "directory", "directories")} (${
            formatMemory(dirs.bytes)
          }B) and ${report.records.count} ${plural(report.records.count, "record", "records")}.`,
        );
        if (report.keptFailedDirectories > 0) {
          ctx.print(
            `Kept ${report.keptFailedDirectories} old ${
              plural(report.keptFailedDirectories, "directory", "directories")
            } of failed jobs (--no-keep-failed-dirs removes them).`,
          );
        }
      }
      if (report.errors.length > 0) {
        for (const error of report.errors.slice(0, -1)) console.error(`molq: ${error}`);
        throw new MolqError(
          `Cannot remove ${report.errors.length} job ${
            plural(report.errors.length, "directory", "directories")
          }: ${report.errors.at(-1)}.`,
        );
      }
    });
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
