/**
 * A window's signal-to-noise ratio, estimated blind from the stream's own levels: the speech level
 * is a high percentile of the window's 20 ms block powers, the noise floor a low percentile of the
 * block powers of the stream's recent history (the window included). Pauses between words and
 * between turns sit at the floor; in a quiet studio the floor is 40-70 dB under speech, in a street or
 * a car it is a few dB to 20 dB under it. This is the minimum-statistics idea (Martin 2001) reduced to
 * what a temperature needs: one number per window, monotone in the true ratio; it is not a
 * speech-enhancement noise tracker. Measured against known ratios: `models/experiments/README.md`,
 * session 16.
 *
 * Cost: one multiply-add per sample, and a sort of at most `historyBlocks` numbers per window.
 *
 * @example
 * const snr = new SnrEstimator();
 * snr.push(chunk16k);                     // every sample of the stream, in order
 * snr.snrDb(w.startSample, w.endSample);  // when a window over [start, end) is cut
 */

export interface SnrEstimatorOptions {
  /** Block length in samples (320 = 20 ms at 16 kHz). */
  blockSamples: number;
  /** Blocks of history the noise floor is taken from (1500 = 30 s). */
  historyBlocks: number;
  /** Percentile (0-100) of the window's block powers taken as its speech level. */
  speechPercentile: number;
  /** Percentile (0-100) of the history's block powers taken as the noise floor. */
  noisePercentile: number;
  /** Block powers are floored here (dB re full scale), so digital silence has a finite level. */
  floorDb: number;
}

export const defaultSnrEstimatorOptions: SnrEstimatorOptions = Object.freeze({
  blockSamples: 320,
  historyBlocks: 1500,
  speechPercentile: 90,
  noisePercentile: 10,
  floorDb: -100,
});

/**
 * The `p`-th percentile (0-100, nearest rank) of `values[0, n)`, found in place by quickselect
 * (Hoare partition, middle pivot): linear time, no allocation. The window statistics have their own
 * selection over Float32Array; one function taking both array types made that hot path (every
 * dimension of every window) 5-15% slower in V8, so each keeps its own.
 */
export function percentileInPlace(values: Float64Array, n: number, p: number): number {
  const k = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

export class SnrEstimator {
  readonly options: SnrEstimatorOptions;
  /** Ring of the last `historyBlocks` block powers (dB) and the stream position of each block's start. */
  private readonly powers: Float64Array;
  private readonly starts: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;
  private fill = 0;
  private position = 0;
  private readonly floorPower: number;
  /** Scratch for the percentiles (no allocation per window). */
  private readonly windowScratch: Float64Array;
  private readonly historyScratch: Float64Array;

  constructor(options: Partial<SnrEstimatorOptions> = {}) {
    this.options = { ...defaultSnrEstimatorOptions, ...options };
    const o = this.options;
    if (!(Number.isInteger(o.blockSamples) && o.blockSamples > 0))
      throw new RangeError('snr: blockSamples must be a positive integer');
    if (!(Number.isInteger(o.historyBlocks) && o.historyBlocks > 0))
      throw new RangeError('snr: historyBlocks must be a positive integer');
    for (const [name, p] of [
      ['speechPercentile', o.speechPercentile],
      ['noisePercentile', o.noisePercentile],
    ] as const)
      if (!(p >= 0 && p <= 100)) throw new RangeError(`snr: ${name} must be within 0-100`);
    // Twice the history: a window is judged on the blocks before its end, which stay in the ring
    // however the stream was chunked (chunks up to `historyBlocks` blocks long), so the estimate does
    // not depend on chunking.
    this.powers = new Float64Array(2 * o.historyBlocks);
    this.starts = new Float64Array(2 * o.historyBlocks);
    this.floorPower = 10 ** (o.floorDb / 10);
    this.windowScratch = new Float64Array(2 * o.historyBlocks);
    this.historyScratch = new Float64Array(2 * o.historyBlocks);
  }

  /** Samples seen so far. */
  get samples(): number {
    return this.position;
  }

  /** Feeds the stream's samples, in order. */
  push(samples: Float32Array): void {
    const n = this.options.blockSamples;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      this.sum += s * s;
      if (++this.fill === n) {
        const power = Math.max(this.sum / n, this.floorPower);
        this.powers[this.next] = 10 * Math.log10(power);
        this.starts[this.next] = this.position + i + 1 - n;
        this.next = (this.next + 1) % this.powers.length;
        this.count = Math.min(this.count + 1, this.powers.length);
        this.sum = 0;
        this.fill = 0;
      }
    }
    this.position += samples.length;
  }

  /**
   * The estimated ratio, in dB, for a window over stream samples `[start, end)`: the speech percentile
   * of its whole blocks minus the noise percentile of the `historyBlocks` whole blocks that end by
   * `end`. Undefined when the window holds no whole block still in the ring.
   */
  snrDb(start: number, end: number): number | undefined {
    const n = this.options.blockSamples;
    const from = end - this.options.historyBlocks * n;
    const inWindow = this.windowScratch;
    const history = this.historyScratch;
    let w = 0;
    let h = 0;
    for (let k = 0; k < this.count; k++) {
      const at = (this.next - this.count + k + this.powers.length) % this.powers.length;
      const s = this.starts[at]!;
      if (s + n > end || s < from) continue;
      history[h++] = this.powers[at]!;
      if (s >= start) inWindow[w++] = this.powers[at]!;
    }
    if (w === 0) return undefined;
    const speech = percentileInPlace(inWindow, w, this.options.speechPercentile);
    const noise = percentileInPlace(history, h, this.options.noisePercentile);
    return speech - noise;
  }
}
