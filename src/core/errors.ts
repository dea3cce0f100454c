/**
 * Error kinds. A UsageError is the user's mistake (exit 2); a MolqError is an
 * operational failure (exit 1); anything else is a bug and keeps its stack trace.
 */

/** An operational failure: a scheduler refused, a job failed, a file is unusable. Exit 1. */
export class MolqError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "MolqError";
  }
}

/** A bad flag, value or job id. Exit 2. */
export class UsageError extends MolqError {
  override readonly exitCode = 2;
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = "UsageError";
  }
}

/** A wait ran out of time; the job keeps running. */
export class WaitTimeoutError extends MolqError {
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeoutError";
  }
}

/** An external command failed, timed out or could not be started. */
export class CommandError extends MolqError {
  constructor(
    message: string,
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly timedOut = false,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/**
 * The link to a remote cluster failed (ssh exit 255, a cut or truncated answer, a timeout,
 * no open connection): nothing can be concluded about the cluster's jobs. The message
 * names the cluster; `needsLogin` is set when only `molq connect` can restore the link.
 */
export class TransportError extends MolqError {
  constructor(
    readonly cluster: string,
    message: string,
    readonly needsLogin = false,
    hint?: string,
  ) {
    super(message, hint);
    this.name = "TransportError";
  }
}
