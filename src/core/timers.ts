/**
 * molq's timers. Deno's global setTimeout and setInterval are Node's: the first call loads
 * its Node compatibility layer (timers, async hooks, errors, inspect), about 5 ms of every
 * command that runs a process. These run on `AbortSignal.timeout`, Deno's own web timer,
 * which keeps the process alive only while a listener waits on it: cancelling a timer
 * removes its listener, and a cancelled timer never holds the process open.
 */

export interface Timer {
  /** Stops the timer; it does not fire afterwards (calling it again does nothing). */
  cancel(): void;
}

/** Calls `fire` once, `ms` from now, unless cancelled first. */
export function after(ms: number, fire: () => void): Timer {
  const signal = AbortSignal.timeout(wholeMs(ms));
  const onTimeout = () => fire();
  signal.addEventListener("abort", onTimeout, { once: true });
  return { cancel: () => signal.removeEventListener("abort", onTimeout) };
}

/** Calls `fire` every `ms` (each period counted from the previous call) until cancelled. */
export function every(ms: number, fire: () => void): Timer {
  let stopped = false;
  let next: Timer;
  const arm = () => {
    next = after(ms, () => {
      if (stopped) return;
      arm();
      fire();
    });
  };
  arm();
  return {
    cancel: () => {
      stopped = true;
      next.cancel();
    },
  };
}

/** Resolves `ms` from now. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => after(ms, resolve));
}

function wholeMs(ms: number): number {
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : 2 ** 31 - 1;
}
