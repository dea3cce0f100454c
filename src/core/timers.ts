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

/** The longest one timer waits: 2^31 - 1 ms, about 24.8 days (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fire` once, `ms` from now, unless cancelled first (longer waits are chained). */
export function after(ms: number, fire: () => void): Timer {
  const wait = wholeMs(ms);
  let current: Timer;
  const arm = (left: number) => {
    const signal = AbortSignal.timeout(Math.min(left, MAX_TIMER_MS));
    const onTimeout = () => left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fire();
    signal.addEventListener("abort", onTimeout, { once: true });
    current = { cancel: () => signal.removeEventListener("abort", onTimeout) };
  };
  arm(wait);
  return { cancel: () => current.cancel() };
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
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : Number.MAX_SAFE_INTEGER;
}
