/**
 * How many sessions this process has open on one master, and a queue for the rest: a
 * master carries at most `limit` sessions at once (the cluster's remembered limit).
 */

export class SessionSlots {
  #inUse = 0;
  #waiters: Array<() => void> = [];

  constructor(public limit: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  /**
   * Waits for a free slot and returns its release function (calling it twice is harmless).
   * Rejects with the caller's error when `signal` aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    while (this.#inUse >= this.limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        };
        const abort = () => {
          this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
          reject(signal!.reason);
        };
        this.#waiters.push(wake);
        signal?.addEventListener("abort", abort, { once: true });
      });
    }
    this.#inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
      this.#waiters.shift()?.();
    };
  }
}

const slotsByMaster = new Map<string, SessionSlots>();

/** This process's slots on the master at `controlPath`, with the limit brought up to date. */
export function slotsFor(controlPath: string, limit: number): SessionSlots {
  let slots = slotsByMaster.get(controlPath);
  if (!slots) {
    slots = new SessionSlots(limit);
    slotsByMaster.set(controlPath, slots);
  }
  slots.limit = limit;
  return slots;
}
