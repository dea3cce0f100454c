/**
 * One long-lived remote `sh` behind `ssh ... /bin/sh`: commands go in one at a time as
 * framed shell text, answers come back as frames. Anything short of a complete frame (ssh
 * gone, end of output mid-frame, unexpected text, a timeout) ends the session with a
 * TransportError; the caller opens a new one.
 */
import { TransportError } from "../core/errors.ts";
import { type LiveProcess, startProcess } from "../process/run_command.ts";
import {
  type FramedCommandOptions,
  type FramedResult,
  FrameReader,
  newNonce,
  renderFramedCommand,
  renderSessionStart,
} from "./ssh_frame.ts";
import { sshFailureReason } from "./ssh_failure.ts";
import { after, type Timer } from "../core/timers.ts";

/** The session did not start; `stderr` is ssh's, for the caller to classify. */
export class SessionOpenError extends Error {
  constructor(readonly reason: string, readonly stderr: string, readonly code: number | null) {
    super(reason);
    this.name = "SessionOpenError";
  }
}

const STDERR_KEPT_CHARS = 16_384;
const CLOSE_WAIT_MS = 5_000;
/** A command runs on there this much longer than molq waits for its answer. */
const REMOTE_TIMEOUT_MARGIN_S = 5;

export class SshSession {
  readonly #process: LiveProcess;
  readonly #reader = new FrameReader();
  readonly #cluster: string;
  #stderr = "";
  #eof = false;
  #exitCode: number | null = null;
  #ended = false;
  #changed: () => void = () => {};
  readonly #done: Promise<void>;
  readonly #readers: ReadableStreamDefaultReader<Uint8Array>[] = [];

  private constructor(process: LiveProcess, cluster: string) {
    this.#process = process;
    this.#cluster = cluster;
    const stdout = this.#pump(process.stdout, (chunk) => this.#reader.push(chunk));
    const stderr = this.#pump(process.stderr, (chunk) => {
      this.#stderr = (this.#stderr + new TextDecoder().decode(chunk)).slice(-STDERR_KEPT_CHARS);
    });
    this.#done = Promise.all([stdout, stderr, process.exited]).then(([, , code]) => {
      this.#exitCode = code;
      this.#ended = true;
      this.#changed();
    });
    void stdout.then(() => {
      this.#eof = true;
      this.#changed();
    });
  }

  /**
   * Starts `sshArgv` (an attach call ending in `/bin/sh`) and waits for the remote shell's
   * ready line. Throws SessionOpenError when ssh ends first or `timeoutMs` passes.
   */
  static async open(cluster: string, sshArgv: readonly string[], timeoutMs: number) {
    const session = new SshSession(startProcess(sshArgv), cluster);
    const nonce = newNonce();
    await session.#process.write(renderSessionStart(nonce)).catch(() => {});
    const deadline = Date.now() + timeoutMs;
    while (session.#reader.takeReady(nonce) === null) {
      if (session.#eof || !(await session.#wait(deadline))) {
        const timedOut = !session.#eof;
        if (!timedOut) await within(session.#done, 1000); // let ssh finish saying why
        await session.#abort();
        const reason = timedOut
          ? `the remote shell did not start within ${Math.round(timeoutMs / 1000)} s`
          : sshFailureReason(session.#stderr) ||
            `ssh ended with status ${session.#exitCode ?? "unknown"}`;
        throw new SessionOpenError(reason, session.#stderr, session.#exitCode);
      }
    }
    return session;
  }

  /** False once the session has failed or been closed. */
  get alive(): boolean {
    return !this.#eof && !this.#ended;
  }

  /**
   * Runs one command and returns its frame. A TransportError (naming `program` and the
   * cluster) means the session is gone.
   */
  async exec(
    argv: readonly string[],
    options: FramedCommandOptions,
    timeoutMs: number,
  ): Promise<FramedResult> {
    const program = argv[0] ?? "";
    if (!this.alive) throw this.#lost(program, "the session had already ended");
    const nonce = newNonce();
    // The host ends the command a little after molq stops waiting for it.
    const remoteLimit = Math.ceil(timeoutMs / 1000) + REMOTE_TIMEOUT_MARGIN_S;
    const text = renderFramedCommand(nonce, argv, { ...options, timeoutSeconds: remoteLimit });
    const deadline = Date.now() + timeoutMs;
    let writeFailed = false;
    const written = this.#process.write(text).catch(() => (writeFailed = true));
    while (true) {
      const parsed = this.#reader.takeFrame(nonce);
      if (parsed.kind === "complete") {
        await written;
        return parsed.result;
      }
      if (parsed.kind === "garbage") {
        await this.#abort();
        throw this.#lost(
          program,
          `the remote shell answered with unexpected text ${parsed.detail}`,
        );
      }
      if (this.#eof || writeFailed) {
        // ssh is on its way out: let it say why and exit with its own status.
        await within(this.#done, 1000);
        await this.#abort();
        const why = sshFailureReason(this.#stderr) ||
          (this.#exitCode === null ? "" : `ssh exited with status ${this.#exitCode}`);
        const cut = this.#reader.pendingBytes > 0 ? "the answer was cut short" : "the link closed";
        throw this.#lost(program, why ? `${cut} (${why.replace(/\.$/, "")})` : cut);
      }
      if (!(await this.#wait(deadline))) {
        await this.#abort();
        throw this.#lost(program, `no answer within ${Math.round(timeoutMs / 100) / 10} s`);
      }
    }
  }

  /** Ends the remote shell (end of its input) and waits for ssh to exit. */
  async close(): Promise<void> {
    if (this.#ended) return;
    await this.#process.closeStdin();
    await within(this.#done, CLOSE_WAIT_MS);
    await this.#abort();
  }

  /**
   * Kills ssh and stops reading. The master holds copies of an attach call's stdio (ssh
   * passes them over the control socket) until the remote command ends, so waiting for
   * the end of our pipes could take as long as a hung remote command.
   */
  async #abort(): Promise<void> {
    if (this.#ended) return;
    this.#process.kill();
    await this.#process.closeStdin();
    for (const reader of this.#readers) reader.cancel().catch(() => {});
    await this.#done;
  }

  #lost(program: string, why: string): TransportError {
    return new TransportError(
      this.#cluster,
      `Lost the SSH session to cluster "${this.#cluster}" while running ${program}: ${why}.`,
    );
  }

  /** Resolves true on new output or an end, false at the deadline. */
  #wait(deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = after(remaining, () => resolve(false));
      this.#changed = () => {
        timer.cancel();
        this.#changed = () => {};
        resolve(true);
      };
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>, take: (chunk: Uint8Array) => void) {
    const reader = stream.getReader();
    this.#readers.push(reader);
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        take(chunk.value);
        this.#changed();
      }
    } catch {
      // The stream broke because ssh died; its end is what matters.
    }
  }
}

/** Waits for `promise`, or `ms` at most. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: Timer | undefined;
  const timeout = new Promise<void>((resolve) => (timer = after(ms, resolve)));
  await Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
