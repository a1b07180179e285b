/**
 * Per-stream feature normalisation with a prior. A live call gives the server the speaker's own
 * statistics: this keeps running per-dimension sums over the stream's speech frames and blends them
 * with a prior (the training set's statistics, worth `priorFrames` frames), so the first window of a
 * stream is normalised like a global z-score and later windows more and more like a per-speaker one.
 * On the official split this "session" normalisation lifted a linear baseline by ~7 points over a
 * global z-score, while per-clip normalisation cost ~10 points (it erases loudness and pitch level).
 *
 * State is a few sums, so it can be carried between streams of the same speaker (a session) with
 * {@link StreamNormalizer.snapshot} / {@link StreamNormalizer.restore}.
 *
 * @example
 * const norm = new StreamNormalizer({ dim: 64, priorMean, priorStd, priorFrames: 300 });
 * norm.accumulate(frames, n);        // speech frames only
 * norm.apply(window, out, nFrames);  // (x - mean) / std with the current statistics
 */

export interface NormalizerOptions {
  /** Feature dimension. */
  dim: number;
  /** Prior per-dimension mean (training set). */
  priorMean: ArrayLike<number>;
  /** Prior per-dimension standard deviation (training set). */
  priorStd: ArrayLike<number>;
  /** Weight of the prior in frames; 0 = pure stream statistics. */
  priorFrames: number;
  /** Floor on the standard deviation, to keep near-constant dimensions finite. */
  minStd: number;
}

/** Serialisable normaliser state: count and per-dimension sums of x and x^2. */
export interface NormalizerState {
  frames: number;
  sum: number[];
  sumSq: number[];
}

export class StreamNormalizer {
  readonly options: NormalizerOptions;
  private frames = 0;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private dirty = true;

  constructor(
    options: Partial<NormalizerOptions> & Pick<NormalizerOptions, 'dim' | 'priorMean' | 'priorStd'>,
  ) {
    const o: NormalizerOptions = { priorFrames: 300, minStd: 1e-3, ...options };
    if (!Number.isInteger(o.dim) || o.dim <= 0)
      throw new TypeError(`normalizer: dim must be a positive integer`);
    if (o.priorMean.length !== o.dim || o.priorStd.length !== o.dim) {
      throw new TypeError(
        `normalizer: prior has ${o.priorMean.length}/${o.priorStd.length} values, expected ${o.dim}`,
      );
    }
    if (!(o.priorFrames >= 0)) throw new TypeError('normalizer: priorFrames must be >= 0');
    this.options = o;
    this.sum = new Float64Array(o.dim);
    this.sumSq = new Float64Array(o.dim);
    this.mean = new Float64Array(o.dim);
    this.invStd = new Float64Array(o.dim);
  }

  /** Frames accumulated so far (not counting the prior). */
  get framesSeen(): number {
    return this.frames;
  }

  /** Adds `n` frames (row-major, `dim` wide, starting at `offset`) to the running statistics. */
  accumulate(data: Float32Array, n: number, offset = 0, stride = this.options.dim): void {
    const d = this.options.dim;
    for (let t = 0; t < n; t++) {
      const row = offset + t * stride;
      for (let i = 0; i < d; i++) {
        const v = data[row + i]!;
        this.sum[i]! += v;
        this.sumSq[i]! += v * v;
      }
    }
    this.frames += n;
    this.dirty = true;
  }

  /** Current mean and 1/std, blending the prior with the stream's frames. */
  private update(): void {
    if (!this.dirty) return;
    const { dim, priorMean, priorStd, priorFrames, minStd } = this.options;
    const total = priorFrames + this.frames;
    for (let i = 0; i < dim; i++) {
      const pm = priorMean[i]!;
      const ps = priorStd[i]!;
      if (total === 0) {
        this.mean[i] = pm;
        this.invStd[i] = 1 / Math.max(ps, minStd);
        continue;
      }
      const mean = (priorFrames * pm + this.sum[i]!) / total;
      const ex2 = (priorFrames * (ps * ps + pm * pm) + this.sumSq[i]!) / total;
      const variance = Math.max(ex2 - mean * mean, 0);
      this.mean[i] = mean;
      this.invStd[i] = 1 / Math.max(Math.sqrt(variance), minStd);
    }
    this.dirty = false;
  }

  /**
   * Normalises `n` frames of `src` (row-major, `stride` apart, features at `srcOffset`) into `dst`
   * (dense, `dim` wide, from `dstOffset`).
   */
  apply(
    src: Float32Array,
    n: number,
    dst: Float32Array,
    srcOffset = 0,
    stride = this.options.dim,
    dstOffset = 0,
  ): void {
    this.update();
    const d = this.options.dim;
    for (let t = 0; t < n; t++) {
      const s = srcOffset + t * stride;
      const o = dstOffset + t * d;
      for (let i = 0; i < d; i++) dst[o + i] = (src[s + i]! - this.mean[i]!) * this.invStd[i]!;
    }
  }

  /** The current statistics as plain arrays (for inspection and tests). */
  current(): { mean: number[]; std: number[] } {
    this.update();
    return { mean: Array.from(this.mean), std: Array.from(this.invStd, (v) => 1 / v) };
  }

  /** Copies the accumulated state (without the prior), e.g. to carry it to the speaker's next stream. */
  snapshot(): NormalizerState {
    return { frames: this.frames, sum: Array.from(this.sum), sumSq: Array.from(this.sumSq) };
  }

  /** Replaces the accumulated state with a snapshot. */
  restore(state: NormalizerState): void {
    if (state.sum.length !== this.options.dim || state.sumSq.length !== this.options.dim) {
      throw new TypeError(
        `normalizer: snapshot has dimension ${state.sum.length}, expected ${this.options.dim}`,
      );
    }
    this.frames = state.frames;
    this.sum.set(state.sum);
    this.sumSq.set(state.sumSq);
    this.dirty = true;
  }

  /** Forgets the stream's statistics (back to the prior). */
  reset(): void {
    this.frames = 0;
    this.sum.fill(0);
    this.sumSq.fill(0);
    this.dirty = true;
  }
}
