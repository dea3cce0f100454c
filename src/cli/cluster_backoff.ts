/**
 * Backing off a cluster whose scheduler keeps failing: after the n-th failure in a row the
 * next try waits `baseMs * 2^(n-1)`, at most `maxMs`. A success forgets the failures.
 */
export const MAX_BACKOFF_MS = 15 * 60_000;

export class ClusterBackoff {
  readonly #failures = new Map<string, { count: number; nextTryAt: number }>();

  constructor(readonly baseMs: number, readonly maxMs = Math.max(MAX_BACKOFF_MS, baseMs)) {}

  /** Whether the cluster may be tried now. */
  due(cluster: string, now: number): boolean {
    const failure = this.#failures.get(cluster);
    return failure === undefined || now >= failure.nextTryAt;
  }

  /** Records a failure; returns how many in a row and how long until the next try. */
  failed(cluster: string, now: number): { count: number; retryInMs: number } {
    const count = (this.#failures.get(cluster)?.count ?? 0) + 1;
    const retryInMs = Math.min(this.baseMs * 2 ** (count - 1), this.maxMs);
    this.#failures.set(cluster, { count, nextTryAt: now + retryInMs });
    return { count, retryInMs };
  }

  /** Records a success; returns how many failures in a row it ends (0 if none). */
  succeeded(cluster: string): number {
    const count = this.#failures.get(cluster)?.count ?? 0;
    this.#failures.delete(cluster);
    return count;
  }
}
