/**
 * Runs the CLI and turns every outcome into an exit code: 0 success, 1 operational
 * failure, 2 usage error, 3 a wait that timed out. Errors print as one sentence; only
 * bugs keep their stack trace. Only the command being run is imported, and the store and
 * the config only once its action starts (never for help, the version or completions).
 */
import { type Command, CommanderError } from "./command_line/mod.ts";
import { MolqError, UsageError } from "../core/errors.ts";
import type { CliContext } from "./context.ts";
import { buildLazyProgram } from "./lazy_program.ts";

/** Commands that print from what they know already: no store, no config. */
const WITHOUT_CONTEXT = new Set(["completions"]);

export async function runCli(args: string[], cwd: string): Promise<number> {
  const split = args.indexOf("--");
  const head = split === -1 ? args : args.slice(0, split);
  const tail = split === -1 ? null : args.slice(split + 1);
  let context: CliContext | undefined;
  const getContext = () => {
    if (!context) throw new Error("The CLI context is made before a command's action runs.");
    return context;
  };
  const program = buildLazyProgram(getContext);
  // Every command but `config` and `doctor` (which report its problems) refuses an invalid
  // config file.
  program.hook("preAction", async (_program, action) => {
    // The early check below only sees words: `molq list --run submit -- x` gets here.
    if (tail !== null && action.name() !== "submit") {
      throw new UsageError("only `molq submit` takes a command after --.");
    }
    if (WITHOUT_CONTEXT.has(action.name()) && action.parent === program) return;
    const { CliContext } = await import("./context.ts");
    context = new CliContext(program.opts(), cwd, tail);
    const reportsConfig = action.name() === "config" || action.parent?.name() === "config" ||
      (action.name() === "doctor" && action.parent === program);
    if (!reportsConfig) await context.config();
  });
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
    outputError: (text, write) => write(`molq: ${text.replace(/^error: /, "")}`),
  });
  const configure = (command: Command) => {
    command.exitOverride();
    command.configureOutput({
      outputError: (text, write) => write(`molq: ${text.replace(/^error: /, "")}`),
    });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  if (tail !== null && head[0] !== "submit" && !head.includes("submit")) {
    console.error("molq: only `molq submit` takes a command after --.");
    return 2;
  }
  try {
    await program.parseAsync(head, { from: "user" });
    return context?.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; every other CommanderError is a usage error already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof MolqError) {
      console.error(`molq: ${error.message}`);
      if (error.hint) console.error(`hint: ${error.hint}`);
      return error.exitCode;
    }
    if (isSqliteError(error)) {
      // The store failed under us (full disk, damaged file, lock held too long): operational.
      console.error(
        `molq: Cannot use the molq store ${await storePath(program.opts().db)}: ${
          error.message.replace(/\.$/, "")
        }.`,
      );
      return 1;
    }
    // The reader went away (`molq logs ID | head`): stop quietly, as Unix tools do.
    if (error instanceof Deno.errors.BrokenPipe) return 0;
    console.error("molq: internal error (please report it):");
    console.error(error instanceof Error ? error.stack : String(error));
    return 1;
  } finally {
    await deliverNotifications(context);
    await context?.close();
  }
}

/**
 * Before exiting: the notifications of the ends this process recorded (a cancel, a
 * refresh), and the deliveries under way, each bounded by its own timeout.
 */
async function deliverNotifications(context: CliContext | undefined): Promise<void> {
  const store = context?.openedStore;
  // Only a process that ran a pass (which may have started deliveries) or recorded an end
  // itself (a cancel, a refused submission) owes any: the others skip the notifier.
  if (!store || !(context.ranPasses || store.recordedEnds)) return;
  try {
    const { dueNotifications } = await import("../store/notification_claims.ts");
    if (!context.ranPasses && dueNotifications(store, Date.now(), "own").length === 0) return;
    const { kickNotifications, notificationsSettled } = await import("../notify/notifier.ts");
    kickNotifications(store, "own");
    await notificationsSettled();
  } catch {
    // A store that failed under us: the claims' leases run out and a later pass delivers.
  }
}

function isSqliteError(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

async function storePath(flag: string | undefined): Promise<string> {
  try {
    return flag ?? (await import("../store/store_paths.ts")).defaultDbPath();
  } catch {
    return "file";
  }
}
