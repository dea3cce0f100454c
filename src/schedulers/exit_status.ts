/** Human sentences for exit codes, shared by every backend. */

const SIGNAL_NAMES: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  11: "SIGSEGV",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  24: "SIGXCPU",
  25: "SIGXFSZ",
};

export function signalName(signal: number): string {
  return SIGNAL_NAMES[signal] ?? `signal ${signal}`;
}

/** `Exited with code 3.`, or for shell-style 128+N codes, the signal that killed it. */
export function describeExit(exitCode: number): string {
  if (exitCode > 128 && exitCode < 128 + 65) {
    return `Exited with code ${exitCode} (killed by ${signalName(exitCode - 128)}).`;
  }
  return `Exited with code ${exitCode}.`;
}
