/**
 * The terminal the dashboard draws on, as a small interface: the real one over Deno's
 * stdin/stdout, or a fake in tests.
 */

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface TerminalInput {
  chunks: AsyncIterable<Uint8Array>;
  /** Ends `chunks` (a pending read is cancelled, stdin itself stays open). */
  stop(): Promise<void>;
}

export interface Terminal {
  stdoutIsTerminal(): boolean;
  stdinIsTerminal(): boolean;
  size(): TerminalSize;
  /** Writes all of `text` synchronously (one frame, one write). */
  write(text: string): void;
  setRaw(raw: boolean): void;
  input(): TerminalInput;
  /** Adds a signal listener; returns its remover. Unsupported signals are ignored. */
  onSignal(signal: Deno.Signal, handler: () => void): () => void;
}

const encoder = new TextEncoder();

export function denoTerminal(): Terminal {
  return {
    stdoutIsTerminal: () => Deno.stdout.isTerminal(),
    stdinIsTerminal: () => Deno.stdin.isTerminal(),
    size: () => Deno.consoleSize(),
    write(text) {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
    },
    setRaw: (raw) => Deno.stdin.setRaw(raw),
    input() {
      const reader = Deno.stdin.readable.getReader();
      return {
        chunks: {
          async *[Symbol.asyncIterator]() {
            while (true) {
              const { value, done } = await reader.read();
              if (done) return;
              yield value;
            }
          },
        },
        stop: () => reader.cancel(),
      };
    },
    onSignal(signal, handler) {
      try {
        Deno.addSignalListener(signal, handler);
      } catch {
        return () => {}; // e.g. SIGWINCH or SIGHUP on Windows
      }
      return () => Deno.removeSignalListener(signal, handler);
    },
  };
}
