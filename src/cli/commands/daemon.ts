/** `molq daemon`: keep the store current where cron is not allowed; one per store, any host. */
import { Command } from "../command_line/mod.ts";
import { dirname, join, resolve } from "../../core/paths.ts";
import { MolqError, UsageError } from "../../core/errors.ts";
import { formatElapsed, parseDurationSeconds } from "../../core/duration.ts";
import { heartbeatTooOld, readDaemonLease } from "../../store/daemon_lease.ts";
import type { CliContext } from "../context.ts";
import { describeHolder, runDaemon } from "../daemon_loop.ts";
import { StopSignal } from "../stop_signal.ts";
import { detachDaemon, stopDaemon } from "../daemon_control.ts";

const DEFAULT_INTERVAL = "60s";
const DEFAULT_HEARTBEAT_MS = 10_000;
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

interface DaemonOptions {
  interval: string;
  once?: boolean;
  detach?: boolean;
  status?: boolean;
  stop?: boolean;
  logFile?: string;
  json?: boolean;
}

export function daemonCommand(context: () => CliContext): Command {
  return new Command("daemon")
    .description("Refresh every cluster with active jobs until stopped (one daemon per store)")
    .option("--interval <duration>", "time between refresh passes", DEFAULT_INTERVAL)
    .option("--once", "one pass (unless another daemon holds the lease), then exit")
    .option("--detach", "run in the background, logging to a file")
    .option("--log-file <path>", "with --detach: the log (default: daemon.log beside the store)")
    .option("--status", "say which daemon holds the lease, where and since when")
    .option("--stop", "stop the daemon of this store (on any host) and any waiting ones")
    .option("--json", "with --status: print JSON")
    .addHelpText(
      "after",
      `
One daemon per store runs passes, across all login nodes sharing it: it holds a lease in
the store (host, pid, heartbeat). Another one started meanwhile waits and takes over
within three heartbeats once the first stops beating; waiting on another login node, it
still follows its own host's local jobs (only their host sees their processes). Passes
use the same poll budget as every molq process; a cluster whose scheduler keeps failing
is retried less and less often.
One line per state change or error goes to stderr (the log file with --detach).
SIGINT, SIGTERM and SIGHUP stop it after the pass in flight. MOLQ_DAEMON_HEARTBEAT sets the
heartbeat (default 10s).

Examples:
  molq daemon                        (in tmux or screen; Ctrl-C stops it)
  molq daemon --detach --interval 2m
  molq daemon --status
  molq daemon --stop
  molq daemon --once                 (from cron or scrontab, beside a daemon or instead)`,
    )
    .action(async (options: DaemonOptions) => {
      const ctx = context();
      const modes = ["once", "detach", "status", "stop"].filter((m) =>
        options[m as keyof DaemonOptions]
      );
      if (modes.length > 1) {
        throw new UsageError(`--${modes[0]} and --${modes[1]} do not go together.`);
      }
      if (options.json && !options.status) throw new UsageError("--json goes with --status.");
      if (options.logFile !== undefined && !options.detach) {
        throw new UsageError("--log-file goes with --detach.");
      }
      const intervalMs = parseDurationSeconds(options.interval, "--interval") * 1000;
      const heartbeatMs = heartbeatFromEnv();
      if (options.status) return status(ctx, !!options.json);
      if (options.stop) return ctx.print(await stopDaemon(ctx));
      if (options.detach) {
        const logPath = resolve(
          ctx.cwd,
          options.logFile ?? join(dirname(ctx.dbPath), "daemon.log"),
        );
        return ctx.print(await detachDaemon(ctx, { interval: options.interval, logPath }));
      }
      const stop = new StopSignal();
      const log = (line: string) => console.error(`${new Date().toISOString()} ${line}`);
      const listeners = STOP_SIGNALS.map((signal) => {
        const listener = () => {
          if (stop.reason === null) log(`${signal}: stopping after the pass in flight.`);
          stop.request(signal);
        };
        Deno.addSignalListener(signal, listener);
        return [signal, listener] as const;
      });
      try {
        const failed = await runDaemon(ctx, {
          intervalMs,
          heartbeatMs,
          once: !!options.once,
          logPath: Deno.env.get("MOLQ_DAEMON_LOG") ?? null,
          stop,
          log,
        });
        if (options.once && failed > 0) ctx.exitCode = 1;
      } finally {
        for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
      }
    });
}

function status(ctx: CliContext, json: boolean): void {
  const row = readDaemonLease(ctx.store);
  const running = row.owner !== null && !heartbeatTooOld(row);
  const now = Date.now();
  if (json) {
    ctx.printJson({
      running,
      host: row.host,
      pid: row.pid,
      since: row.since === null ? null : new Date(row.since).toISOString(),
      last_heartbeat: row.heartbeat === null ? null : new Date(row.heartbeat).toISOString(),
      heartbeat_seconds: row.heartbeatMs === null ? null : row.heartbeatMs / 1000,
      interval_seconds: row.intervalMs === null ? null : row.intervalMs / 1000,
      log: row.logPath,
    });
  }
  // Also with --json: a script's `molq daemon --status --json || start-one` works.
  if (!running) {
    const last = row.pid === null
      ? "none has run for this store yet"
      : row.owner === null
      ? `the last to hold its lease, pid ${row.pid} on ${row.host}, stopped at ${
        iso(row.releasedAt)
      }`
      : `pid ${row.pid} on ${row.host} stopped beating ${age(row.heartbeat, now)} ago`;
    throw new MolqError(`No molq daemon is running for ${ctx.dbPath}: ${last}.`);
  }
  if (json) return;
  ctx.print(
    `${describeHolder(row)} (${
      age(row.since, now)
    }) holds the lease of ${ctx.dbPath}; last heartbeat ${
      age(row.heartbeat, now)
    } ago, a pass every ${formatElapsed((row.intervalMs ?? 0) / 1000)}${
      row.logPath ? `; log: ${row.logPath}` : ""
    }.`,
  );
}

function heartbeatFromEnv(): number {
  const text = Deno.env.get("MOLQ_DAEMON_HEARTBEAT");
  if (text === undefined || text.trim() === "") return DEFAULT_HEARTBEAT_MS;
  try {
    return parseDurationSeconds(text) * 1000;
  } catch {
    throw new UsageError(
      `Invalid MOLQ_DAEMON_HEARTBEAT "${text}": expected a duration such as 10s.`,
    );
  }
}

const iso = (ms: number | null) => (ms === null ? "an unknown time" : new Date(ms).toISOString());
const age = (ms: number | null, now: number) =>
  ms === null ? "?" : formatElapsed(Math.max(0, now - ms) / 1000);
