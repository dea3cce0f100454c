/** Starting `molq daemon` in the background and stopping it, on this host or another one. */
import { dirname, resolve } from "../core/paths.ts";
import { MolqError } from "../core/errors.ts";
import { spawnDetached } from "../process/run_command.ts";
import { heartbeatTooOld, readDaemonLease, requestDaemonStop } from "../store/daemon_lease.ts";
import type { CliContext } from "./context.ts";
import { describeHolder, processGone } from "./daemon_loop.ts";
import { selfCommand } from "./self_command.ts";
import { sleep } from "../core/timers.ts";

/** How long `--stop` waits for the daemon to finish its pass in flight and let go. */
const STOP_WAIT_MS = 60_000;
/** How long `--detach` waits for the daemon's first words in its log. */
const START_WAIT_MS = 20_000;

/**
 * Asks every daemon of the store to stop (the holder sees it at its next heartbeat, a
 * waiting one at its next look; one on this host also gets SIGTERM), and waits until the
 * holder has let go of the lease.
 */
export async function stopDaemon(ctx: CliContext): Promise<string> {
  const store = ctx.store;
  const row = readDaemonLease(store);
  requestDaemonStop(store);
  if (row.owner === null || heartbeatTooOld(row)) {
    return `No molq daemon is running for ${ctx.dbPath}; any waiting one stops too.`;
  }
  if (row.host === Deno.hostname() && row.pid !== null && isDaemonProcess(row.pid)) {
    try {
      Deno.kill(row.pid, "SIGTERM");
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  while (Date.now() < deadline) {
    if (readDaemonLease(store).owner !== row.owner) return `Stopped the ${describeHolder(row)}.`;
    await sleep(200);
  }
  throw new MolqError(
    `Asked the ${describeHolder(row)} to stop, but it still holds the lease after ${
      STOP_WAIT_MS / 1000
    } s (it stops after the pass in flight).`,
  );
}

/** Starts `molq daemon` in a session of its own with its output appended to `logPath`. */
export async function detachDaemon(
  ctx: CliContext,
  options: { interval: string; logPath: string },
): Promise<string> {
  const { logPath } = options;
  const row = readDaemonLease(ctx.store);
  if (
    row.owner !== null && !heartbeatTooOld(row) && row.host === Deno.hostname() &&
    row.pid !== null && !processGone(row.pid)
  ) {
    throw new MolqError(
      `The ${
        describeHolder(row)
      } already runs for ${ctx.dbPath}: \`molq daemon --status\` tells more, \`molq daemon --stop\` stops it.`,
    );
  }
  try {
    Deno.mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
    Deno.writeFileSync(logPath, new Uint8Array(), { append: true, mode: 0o600 });
  } catch (error) {
    throw new MolqError(`Cannot write the daemon log ${logPath}: ${String(error)}.`);
  }
  const offset = Deno.statSync(logPath).size;
  const config = ctx.globals.config === undefined
    ? []
    : ["--config", resolve(ctx.cwd, ctx.globals.config)];
  const argv = [
    ...selfCommand(),
    "--db",
    resolve(ctx.cwd, ctx.dbPath),
    ...config,
    "daemon",
    "--interval",
    options.interval,
  ];
  // $0 is the log: the daemon's stdout and stderr (and any crash) are appended to it.
  const pid = spawnDetached(
    ["/bin/sh", "-c", 'exec "$@" </dev/null >>"$0" 2>&1', logPath, ...argv],
    { cwd: ctx.cwd, env: { MOLQ_DAEMON_LOG: logPath } },
  );
  const deadline = Date.now() + START_WAIT_MS;
  while (Date.now() < deadline) {
    const lines = newLines(logPath, offset);
    const error = lines.find((line) => line.startsWith("molq: "));
    if (error !== undefined) {
      throw new MolqError(`The molq daemon did not start: ${error.slice("molq: ".length)}`);
    }
    const where = `log: ${logPath}; \`molq daemon --stop\` stops it`;
    // The waiting line names the holder too ("waiting: … holds the lease; …"): look at it first.
    if (lines.some((line) => / waiting: /.test(line))) {
      const holder = readDaemonLease(ctx.store);
      const meanwhile = holder.host !== Deno.hostname()
        ? "; meanwhile it refreshes this host's local jobs"
        : "";
      return `molq daemon pid ${pid} runs in the background and waits for the lease, which the ${
        describeHolder(holder)
      } holds${meanwhile} (${where}).`;
    }
    if (lines.some((line) => / (holds|took over) the lease/.test(line))) {
      return `molq daemon pid ${pid} runs in the background and holds the lease (${where}).`;
    }
    await sleep(100);
  }
  throw new MolqError(
    `The molq daemon (pid ${pid}) wrote nothing to ${logPath} within ${
      START_WAIT_MS / 1000
    } s: look there.`,
  );
}

function newLines(path: string, offset: number): string[] {
  try {
    const bytes = Deno.readFileSync(path).subarray(offset);
    return new TextDecoder().decode(bytes).split("\n").filter((line) => line !== "");
  } catch {
    return [];
  }
}

/** Only a process that looks like a molq daemon gets a signal (pids are reused). */
function isDaemonProcess(pid: number): boolean {
  try {
    const args = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
    return args.includes("daemon");
  } catch {
    return false;
  }
}
