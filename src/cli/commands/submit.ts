/** `molq submit`: record and submit one job. */
import { jobDirWarning } from "../job_dir_warning.ts";
import { Command } from "../command_line/mod.ts";
import { SCHEDULER_KINDS } from "../../core/job_record.ts";
import { buildJobRequest, type JobSpec, notifyFlags, retryFlags } from "../../api/job_spec.ts";
import { submitJob } from "../../reconcile/submit_job.ts";
import { applyDefaults } from "../../api/apply_defaults.ts";
import { resolveCluster } from "../../config/resolve.ts";
import type { CliContext } from "../context.ts";
import { collect, exitCodeOption, integerOption, keyValueOption } from "../option_parsers.ts";
import { recordToJson } from "../record_json.ts";
import { parseDurationSeconds } from "../../core/duration.ts";
import { UsageError } from "../../core/errors.ts";
import { addClusterOption, clusterFlag, type ClusterFlags } from "../cluster_scope.ts";
import { bareTimeNote } from "../time_note.ts";
import { bareMemNote } from "../mem_note.ts";

export function submitCommand(context: () => CliContext): Command {
  const command = new Command("submit")
    .description("Submit a job to a scheduler: the command goes after --")
    .argument("[scheduler]", `scheduler kind: ${SCHEDULER_KINDS.join(", ")}`);
  return addClusterOption(
    command,
    "cluster profile or name (default: the scheduler kind or default_cluster)",
  )
    .option("--command <shell>", "a shell command string, run with /bin/sh -c")
    .option("--script <file>", "a script file to run")
    .option("--name <name>", "job name")
    .option("--cpus <n>", "CPUs for the job", integerOption("--cpus"))
    .option("--mem <size>", "memory: 512M, 8G, 1.5G, 8GiB, 2T")
    .option(
      "--time <duration>",
      "time limit: 90s, 30m, 2h30m, 1.5h, HH:MM:SS, D-HH:MM:SS, 1d (a bare number is seconds)",
    )
    .option("--gpus <n>", "GPUs", integerOption("--gpus"))
    .option("--gpu-type <type>", "GPU type")
    .option("--nodes <n>", "nodes", integerOption("--nodes"))
    .option("--exclusive", "whole nodes only")
    .option("--partition <name>", "partition or queue")
    .option("--account <name>", "account or project to charge")
    .option("--qos <name>", "quality of service")
    .option("--reservation <name>", "reservation")
    .option("--array <spec>", "array indexes: 0-9, 1,3,5, 0-99%10")
    .option("--workdir <dir>", "working directory (default: the current one)")
    .option("--env <K=V>", "environment variable (repeatable)", keyValueOption("--env"))
    .option("--stdout <path>", "stdout file (default: <job dir>/stdout.log)")
    .option("--stderr <path>", "stderr file (default: <job dir>/stderr.log)")
    .option("--meta <K=V>", "metadata kept on the record (repeatable)", keyValueOption("--meta"))
    .option("--run <label>", "run label grouping jobs")
    .option("--after <id>", "start after the job ends (repeatable)", collect)
    .option("--after-ok <id>", "start after the job succeeds (repeatable)", collect)
    .option("--after-fail <id>", "start after the job fails (repeatable)", collect)
    .option("--after-start <id>", "start after the job starts (repeatable)", collect)
    .option("--retries <n>", "total attempts on failure or time-out", integerOption("--retries"))
    .option(
      "--retry-on-exit-code <code>",
      "retry only on this exit code (repeatable)",
      exitCodeOption,
    )
    .option("--retry-backoff <duration>", "delay before the first retry (doubles each time)")
    .option("--scheduler-arg <flag>", "native scheduler flag passed through (repeatable)", collect)
    .option("--notify", "notify when the job ends, as [notify] says (also when all_jobs = false)")
    .option("--no-notify", "no notification for this job")
    .option(
      "--notify-command <shell>",
      "notify through this shell command instead (MOLQ_* variables set)",
    )
    .option(
      "--jobs-dir <dir>",
      "where job directories go (default: profile jobs_dir or ./.molq/jobs)",
    )
    .option("--wait", "wait for the job to finish; exit 0 only if it succeeded")
    .option("--timeout <duration>", "with --wait: stop waiting after this long (exit 3)")
    .option("--json", "print the record as JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq submit local -- python train.py --lr 0.1
  molq submit slurm --cpus 4 --mem 8G --time 2h -- python train.py
  molq submit local --command 'sort data.txt | uniq -c > counts.txt'
  molq submit slurm --array 0-9 --name sweep --script sweep.sh
  molq submit local --after-ok 3f2a -- python evaluate.py
  molq submit --cluster hpc -- python train.py      (defaults from the hpc profile)
  molq submit slurm --notify-command 'notify-send "$MOLQ_JOB_NAME $MOLQ_STATE"' -- ./run.sh

--time 60 means 60 seconds, as in the Python molq (sbatch --time 60 means minutes);
molq says so when a bare number under 600 goes to a batch scheduler.`,
    )
    .action(async (scheduler: string | undefined, options: Record<string, unknown>) => {
      const ctx = context();
      if (options.timeout !== undefined && !options.wait) {
        throw new UsageError("--timeout goes with --wait.");
      }
      const timeout = options.timeout as string | undefined;
      const timeoutMs = timeout === undefined
        ? undefined
        : parseDurationSeconds(timeout, "--timeout") * 1000;
      const config = await ctx.config();
      const target = resolveCluster(config, {
        clusterFlag: clusterFlag(options as ClusterFlags),
        schedulerPositional: scheduler,
      });
      const notes = [
        bareTimeNote(options.time as string | undefined, target.scheduler),
        bareMemNote(options.mem as string | undefined, target.scheduler),
      ].filter((note) => note !== null);
      const spec = toSpec(options, ctx.tail ?? []);
      const cluster = await ctx.cluster(target.name, target.scheduler);
      // A remote job works in, and writes under, the home directory over there.
      const remoteHome = await cluster.scheduler.runner.homeDirectory?.();
      const { request, jobsDir } = applyDefaults(
        buildJobRequest(spec, ctx.cwd, remoteHome ?? ctx.cwd),
        config,
        target.name,
        {
          cwd: ctx.cwd,
          jobsDirFlag: options.jobsDir as string | undefined,
          retry: retryFlags(spec),
          remoteHome,
          notify: notifyFlags(spec),
        },
      );
      for (const note of notes) console.error(`molq: note: ${note}`);
      const record = await submitJob(
        { store: ctx.store, cluster: cluster.name, scheduler: cluster.scheduler, jobsDir },
        request,
      );
      const warning = jobDirWarning(ctx.store, cluster.scheduler, jobsDir);
      if (warning) console.error(`molq: ${warning}`);
      if (options.wait) {
        // Imported only for --wait: a plain submission never loads the monitor.
        const { waitAndReport } = await import("./watch.ts");
        return await waitAndReport(ctx, [record.jobId], { json: !!options.json, timeoutMs });
      }
      if (options.json) ctx.printJson(recordToJson(record));
      else ctx.print(`${record.jobId}  submitted to ${record.cluster} as ${record.schedulerJobId}`);
    });
}

function toSpec(o: Record<string, unknown>, argv: string[]): JobSpec {
  const s = (key: string) => o[key] as string | undefined;
  const list = (key: string) => o[key] as string[] | undefined;
  return {
    argv: argv.length ? argv : undefined,
    command: s("command"),
    script: s("script"),
    name: s("name"),
    workdir: s("workdir"),
    env: o.env as Record<string, string> | undefined,
    cpus: o.cpus as number | undefined,
    mem: s("mem"),
    time: s("time"),
    gpus: o.gpus as number | undefined,
    gpuType: s("gpuType"),
    nodes: o.nodes as number | undefined,
    exclusive: o.exclusive as boolean | undefined,
    partition: s("partition"),
    account: s("account"),
    qos: s("qos"),
    reservation: s("reservation"),
    array: s("array"),
    stdout: s("stdout"),
    stderr: s("stderr"),
    metadata: o.meta as Record<string, string> | undefined,
    run: s("run"),
    after: list("after"),
    afterOk: list("afterOk"),
    afterFail: list("afterFail"),
    afterStart: list("afterStart"),
    retries: o.retries as number | undefined,
    retryOnExitCodes: o.retryOnExitCode as number[] | undefined,
    retryBackoff: s("retryBackoff"),
    schedulerArgs: list("schedulerArg"),
    notify: o.notify as boolean | undefined,
    notifyCommand: s("notifyCommand"),
  };
}
