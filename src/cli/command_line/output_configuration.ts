/** Where the command line writes help, the version and its errors (`configureOutput`). */

export interface OutputConfiguration {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Writes an error message (`error: unknown option '--x'\n`) with `write` (writeErr). */
  outputError(text: string, write: (text: string) => void): void;
  /** Columns to wrap help at; undefined for 80. */
  getOutHelpWidth(): number | undefined;
  getErrHelpWidth(): number | undefined;
}

export const DEFAULT_OUTPUT: OutputConfiguration = {
  writeOut: (text) => writeAll(Deno.stdout, text),
  writeErr: (text) => writeAll(Deno.stderr, text),
  outputError: (text, write) => write(text),
  getOutHelpWidth: () => terminalColumns(Deno.stdout),
  getErrHelpWidth: () => terminalColumns(Deno.stderr),
};

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let written = 0; written < bytes.length;) {
    written += stream.writeSync(bytes.subarray(written));
  }
}

function terminalColumns(stream: { isTerminal(): boolean }): number | undefined {
  if (!stream.isTerminal()) return undefined;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}
