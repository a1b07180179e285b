/**
 * A bounded latency histogram: log-spaced buckets 0.5% wide from 10 µs to 10 minutes, so percentiles
 * are exact to 0.5% whatever the run length, in a fixed 15 kB (a soak test records millions of
 * events). Pure (no Node APIs).
 *
 * @example
 * const h = new LatencyHistogram();
 * h.add(12.5);
 * h.summary(); // { count: 1, p50: 12.5, p95: 12.5, ... }
 */

/** Percentiles of a histogram, in ms (null when empty). */
export interface LatencySummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

const MIN_MS = 0.01;
const MAX_MS = 600_000;
const GROWTH = 1.005;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GROWTH) + 2;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Adds one value in ms; negative values (clock skew) count as 0, values past 10 min in the last bucket. */
  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const v = Math.max(0, ms);
    this.counts[bucketOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds every value of `other`. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The value at quantile `q` in [0, 1] (the middle of its bucket, within the observed range); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketMid(i)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    const r = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
    if (this.count === 0)
      return { count: 0, meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
    return {
      count: this.count,
      meanMs: r(this.sum / this.count),
      p50Ms: r(this.quantile(0.5)),
      p95Ms: r(this.quantile(0.95)),
      p99Ms: r(this.quantile(0.99)),
      maxMs: r(this.max),
    };
  }
}

function bucketOf(v: number): number {
  if (v <= MIN_MS) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(v / MIN_MS) / LOG_GROWTH));
}

/** Geometric middle of bucket `i` (bucket i >= 1 holds (MIN * G^(i-1), MIN * G^i]). */
function bucketMid(i: number): number {
  if (i === 0) return MIN_MS;
  return MIN_MS * GROWTH ** (i - 0.5);
}
