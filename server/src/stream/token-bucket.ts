/** A token bucket: `capacity` tokens, refilled at `ratePerS` per second, starting full. */
export class TokenBucket {
  private tokens: number;
  private last = Number.NaN;

  constructor(
    readonly capacity: number,
    readonly ratePerS: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `n` tokens at monotonic time `nowMs` if available; false (and nothing taken) otherwise. */
  take(n: number, nowMs: number): boolean {
    if (!Number.isNaN(this.last)) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.last) / 1000) * this.ratePerS);
    }
    this.last = nowMs;
    if (this.tokens + 1e-9 < n) return false;
    this.tokens -= n;
    return true;
  }
}
