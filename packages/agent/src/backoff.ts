/**
 * Jittered exponential backoff ("full jitter"): attempt n waits a random time in
 * [base·2ⁿ/2, base·2ⁿ], capped at `maxMs`. The agent never gives up: the cap is 5 minutes,
 * so a node whose problem is fixed (clock, network, server) is back within one period.
 */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: { baseMs?: number; maxMs?: number; random?: () => number } = {}) {}

  next(): number {
    const base = this.options.baseMs ?? 1000;
    const max = this.options.maxMs ?? MAX_BACKOFF_MS;
    const ceiling = Math.min(max, base * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
