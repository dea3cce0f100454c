/**
 * `molq doctor`: checks the set-up this user actually has — the store and its file
 * system, this host, the configuration, every configured or used cluster's commands and
 * last poll, the mail program for notifications, the cron entry and the time zone — one
 * line each, with what to do.
 */
import { type ConfigProblem, formatProblem } from "../../config/validate_config.ts";
import { Command } from "../command_line/mod.ts";
import { dirname } from "../../core/paths.ts";
import type { SchedulerKind } from "../../core/job_record.ts";
import { SCHEDULER_COMMANDS } from "../../config/config.ts";
import { checkConfig } from "../../config/load_config.ts";
import { defaultDbPath } from "../../store/store_paths.ts";
import { clusterPollInfo } from "../../store/cluster_polls.ts";
import type { JobStore } from "../../store/job_store.ts";
import { localRunner } from "../../process/local_runner.ts";
import { runCommand } from "../../process/run_command.ts";
import type { Runner } from "../../process/runner.ts";
import { gatherJobFiles } from "../../schedulers/job_files_snapshot.ts";
import type { CliContext } from "../context.ts";
import { pythonStoreNote } from "../python_store_hint.ts";
import { type Check, doctorExitCode, molqCronLines, renderChecks } from "../doctor_report.ts";
import { mailCheck } from "../doctor_mail.ts";

/** The command that answers with a version, by scheduler kind. */
const VERSION_COMMANDS: Record<SchedulerKind, string[]> = {
  local: ["ps", "-V"],
  slurm: ["sbatch", "--version"],
  pbs: ["qstat", "--version"],
  lsf: ["lsid"],
  sge: ["qstat", "-help"],
};

export function doctorCommand(context: () => CliContext): Command {
  return new Command("doctor")
    .description("Check the store, this host, the configuration, the clusters and cron")
    .option("--json", "print the checks as JSON")
    .addHelpText(
      "after",
      `
Exit status: 0 when nothing is a problem (warnings allowed), 1 otherwise.

Examples:
  molq doctor
  molq doctor --json | jq '.[] | select(.level != "ok")'`,
    )
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const checks: Check[] = [];
      const store = storeChecks(ctx, checks);
      checks.push(await hostCheck());
      const config = await configChecks(ctx, checks);
      if (store) await clusterChecks(ctx, store, config, checks);
      checks.push(await mailCheck(config));
      checks.push(await cronCheck());
      checks.push(timeZoneCheck());
      if (options.json) ctx.printJson(checks);
      else ctx.print(renderChecks(checks, ctx.color));
      ctx.exitCode = doctorExitCode(checks);
    });
}

function storeChecks(ctx: CliContext, checks: Check[]): JobStore | null {
  const path = ctx.globals.db ?? defaultDbPath();
  let store: JobStore;
  try {
    store = ctx.store;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    checks.push({ name: "store", level: "problem", detail: why, fix: "see the message" });
    return null;
  }
  const mode = (p: string) => (Deno.statSync(p).mode ?? 0) & 0o777;
  const fileMode = mode(path);
  const dirMode = mode(dirname(path));
  const loose = (fileMode & 0o077) !== 0 || (dirMode & 0o077) !== 0;
  checks.push({
    name: "store",
    level: loose ? "warning" : "ok",
    detail: `${path} (file ${octal(fileMode)}, directory ${octal(dirMode)})`,
    fix: loose ? `chmod 600 ${path}; chmod 700 ${dirname(path)}` : undefined,
  });
  const journal = store.journal;
  const fs = journal.fileSystem;
  if (typeof fs === "string") {
    checks.push({
      name: "file system",
      level: "warning",
      detail: `cannot be told (${fs}); the store uses SQLite's ${journal.mode} journal`,
    });
  } else {
    const kind = fs.network ? "a network file system, shared by hosts" : "a local file system";
    checks.push({
      name: "file system",
      level: fs.hostLocalLocks.length > 0 ? "warning" : "ok",
      detail: `${fs.fsType} at ${fs.mountPoint} (${fs.source}): ${kind}`,
      fix: fs.hostLocalLocks.length > 0
        ? `its mount options ${
          fs.hostLocalLocks.join(", ")
        } keep locks on one host: use molq from one host only, or move MOLQ_HOME`
        : undefined,
    });
  }
  const why = journal.mode === "wal"
    ? (typeof fs === "object" && !fs.network
      ? "WAL: fast, and safe because only this host's processes share it"
      : "WAL on a shared file system: unsafe across hosts")
    : "rollback journal with full syncs: WAL's shared memory is not shared between hosts";
  const walOnNetwork = journal.mode === "wal" && (typeof fs === "string" || fs.network);
  checks.push({
    name: "journal",
    level: walOnNetwork ? "problem" : "ok",
    detail: `${journal.mode} — ${why}`,
    fix: walOnNetwork
      ? "stop every other molq using this store (cron, monitors, on every host) and run molq doctor again to switch it"
      : undefined,
  });
  const python = pythonStoreNote(store);
  if (python) checks.push({ name: "python molq", level: "warning", detail: python });
  return store;
}

async function hostCheck(): Promise<Check> {
  try {
    const { host } = await gatherJobFiles(localRunner, []);
    const boot = host.bootId ?? "none offered by the system (reboots go unnoticed)";
    return {
      name: "host",
      level: "ok",
      detail: `${host.hostname}, boot id ${boot}; local jobs started here are judged here only`,
    };
  } catch (error) {
    return { name: "host", level: "problem", detail: String(error) };
  }
}

async function configChecks(ctx: CliContext, checks: Check[]) {
  try {
    const check = await checkConfig({ configFlag: ctx.globals.config });
    if (check.config === null) {
      checks.push({
        name: "config",
        level: "problem",
        detail: configProblems(check.path, check.problems),
        fix: "run molq config check for every problem; until then, other commands refuse to run",
      });
      return null;
    }
    checks.push({
      name: "config",
      level: "ok",
      detail: check.path === null
        ? "no config file (built-in defaults)"
        : `${check.path} is valid (${Object.keys(check.config.clusters).length} cluster profiles)`,
    });
    return check.config;
  } catch (error) {
    checks.push({
      name: "config",
      level: "problem",
      detail: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

/** The first problem in the words `molq config check` uses, and how many more there are. */
function configProblems(path: string | null, problems: readonly ConfigProblem[]): string {
  const first = problems[0] ? formatProblem(path, problems[0]).replace(/\.$/, "") : "invalid";
  return problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first;
}

async function clusterChecks(
  ctx: CliContext,
  store: JobStore,
  config: Awaited<ReturnType<typeof configChecks>>,
  checks: Check[],
): Promise<void> {
  const clusters = new Map<string, { kind: SchedulerKind; commands: Record<string, string> }>();
  for (const profile of Object.values(config?.clusters ?? {})) {
    clusters.set(profile.name, { kind: profile.scheduler, commands: profile.commands });
  }
  const remote = new Set(
    Object.values(config?.clusters ?? {}).filter((p) => p.remote).map((p) => p.name),
  );
  const used = store.prepare("SELECT DISTINCT cluster, scheduler FROM jobs").all();
  for (const row of used) {
    const name = row.cluster as string;
    if (!clusters.has(name)) {
      clusters.set(name, { kind: row.scheduler as SchedulerKind, commands: {} });
    }
  }
  const polls = clusterPollInfo(store);
  for (const [name, { kind, commands }] of clusters) {
    const runner = remote.has(name) ? (await ctx.cluster(name, kind)).remote : null;
    let where = "";
    if (runner) {
      // Over the link only when it is up or may be opened: an interactive cluster is never dialled.
      const link = await runner.linkState();
      where = ` on ${runner.settings.host} (link ${link})`;
      if (link !== "connected" && runner.settings.auth === "interactive") {
        checks.push({
          name: `cluster ${name}`,
          level: "warning",
          detail: `${kind} on ${runner.settings.host}: not connected`,
          fix: `run molq connect ${name}`,
        });
        continue;
      }
    }
    const via = runner ?? localRunner;
    const [program, ...args] = VERSION_COMMANDS[kind];
    const binary = commands[program!] ?? program!;
    const missing: string[] = [];
    for (const command of [...SCHEDULER_COMMANDS[kind]]) {
      if (!(await found(via, commands[command] ?? command))) {
        missing.push(commands[command] ?? command);
      }
    }
    const version = await answer(via, [binary, ...args]);
    const poll = polls.filter((p) =>
      p.name === name
    ).sort((a, b) => (b.lastPollAt ?? 0) - (a.lastPollAt ?? 0))[0];
    const lastPoll = poll?.lastPollAt
      ? `last poll ${new Date(poll.lastPollAt).toISOString()}`
      : "never polled";
    const error = poll?.lastPollError ? `; last error: ${poll.lastPollError}` : "";
    const problem = missing.length > 0 || version === null;
    checks.push({
      name: `cluster ${name}`,
      level: problem ? "problem" : poll?.lastPollError ? "warning" : "ok",
      detail: `${kind}${where}: ${
        version === null ? `${binary} does not answer` : version
      }; ${lastPoll}${error}`,
      fix: missing.length > 0
        ? `not found on PATH: ${
          missing.join(", ")
        } (set [clusters.${name}.commands] for site wrappers)`
        : version === null
        ? `check that ${binary} runs on this host`
        : undefined,
    });
  }
}

async function cronCheck(): Promise<Check> {
  const lines: string[] = [];
  for (const argv of [["crontab", "-l"], ["scrontab", "-l"]]) {
    try {
      const result = await runCommand(argv, { allowFailure: true, timeoutMs: 10_000 });
      if (result.code === 0) {
        lines.push(...molqCronLines(result.stdout).map((l) => `${argv[0]}: ${l}`));
      }
    } catch {
      // No cron on this host: said below.
    }
  }
  if (lines.length > 0) return { name: "cron", level: "ok", detail: lines.join(" | ") };
  return {
    name: "cron",
    level: "warning",
    detail: "no crontab or scrontab entry runs molq refresh",
    fix:
      "add `*/5 * * * * molq refresh --quiet` with crontab -e (or scrontab -e where cron is not allowed)",
  };
}

function timeZoneCheck(): Check {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const tz = Deno.env.get("TZ");
  return {
    name: "time zone",
    level: "ok",
    detail: `${zone}${tz ? ` (TZ=${tz})` : ""}; molq stores UTC and shows ISO times`,
  };
}

async function found(runner: Runner, program: string): Promise<boolean> {
  try {
    const result = await runner.run(["/bin/sh", "-c", 'command -v "$1"', "sh", program], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    return result.code === 0;
  } catch {
    return false;
  }
}

/** The first line a version command prints, or null when it cannot run or fails. */
async function answer(runner: Runner, argv: string[]): Promise<string | null> {
  try {
    const result = await runner.run(argv, { allowFailure: true, timeoutMs: 10_000 });
    const line = (result.stdout + result.stderr).split("\n").map((l) => l.trim()).find((l) => l);
    return result.code === 0 ? line ?? "answers" : null;
  } catch {
    return null;
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
