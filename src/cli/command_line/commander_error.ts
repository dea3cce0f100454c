/**
 * What the command line throws instead of exiting: help shown, the version printed, or a
 * usage error already printed. `exitCode` is 0 for help and version, 1 otherwise (commander's
 * codes, which `run_cli.ts` turns into molq's exit codes).
 */
export class CommanderError extends Error {
  override name = "CommanderError";
  nestedError: unknown = undefined;

  constructor(
    readonly exitCode: number,
    /** What happened, as commander names it: `commander.unknownOption`, `commander.help`, ... */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
