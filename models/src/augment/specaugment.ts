/**
 * Feature-domain augmentation: SpecAugment's time and frequency masking (Park et al. 2019, without
 * time warping) on a normalised feature window, and mixup (Zhang et al. 2018) of two windows.
 */
import type { Rng } from './rng.ts';

/** Options of {@link specAugment}. */
export interface SpecAugmentOptions {
  /** Number of time masks (bands of whole frames). Default 2. */
  timeMasks: number;
  /** Widest time mask, frames; each width is uniform in [0, max]. Default 30 (0.3 s at a 10 ms hop). */
  maxTimeWidth: number;
  /**
   * Widest time mask as a fraction of the window's frames, SpecAugment's p (0.2 in its LD policy):
   * keeps two 30-frame masks from blanking most of a short window, where the whole utterance's prosody
   * is the cue. Default 0.2.
   */
  maxTimeFraction: number;
  /** Number of frequency masks (bands of whole feature columns). Default 2. */
  freqMasks: number;
  /** Widest frequency mask, columns; each width is uniform in [0, max]. Default 8. */
  maxFreqWidth: number;
  /**
   * Value written into masked cells. `0` (default) is the mean of features standardised to zero mean,
   * which is what the training pipeline feeds the model, so a mask reads as "no information" rather
   * than as silence (the minimum) or an outlier. `'mean'` uses this window's own mean instead, for
   * features that are not zero-mean, computed before any mask is written.
   */
  fill: number | 'mean';
}

/** Default {@link SpecAugmentOptions}. */
export const defaultSpecAugmentOptions: SpecAugmentOptions = Object.freeze({
  timeMasks: 2,
  maxTimeWidth: 30,
  maxTimeFraction: 0.2,
  freqMasks: 2,
  maxFreqWidth: 8,
  fill: 0,
});

/** A masked band: `width` consecutive frames (time) or columns (frequency) from `start`. */
export interface Mask {
  start: number;
  width: number;
}

/** Result of {@link specAugment}: the masks drawn (width 0 masks nothing) and the fill used. */
export interface SpecAugmentResult {
  timeMasks: Mask[];
  freqMasks: Mask[];
  fill: number;
}

function drawMask(rng: Rng, size: number, maxWidth: number): Mask {
  const width = rng.int(0, Math.min(maxWidth, size));
  return { start: rng.int(0, size - width), width };
}

/**
 * Masks, **in place**, random bands of frames and of feature columns in a row-major `frames × dim`
 * window (`window[t * dim + d]`). Masks may overlap. Returns what was masked, for logs and tests.
 *
 * @example
 * ```ts
 * specAugment(window, 300, 40, rng.fork('specaugment'), { fill: 0 });
 * ```
 */
export function specAugment(
  window: Float32Array,
  frames: number,
  dim: number,
  rng: Rng,
  options: Partial<SpecAugmentOptions> = {},
): SpecAugmentResult {
  const o = { ...defaultSpecAugmentOptions, ...options };
  if (
    !Number.isInteger(frames) ||
    !Number.isInteger(dim) ||
    frames < 0 ||
    dim < 0 ||
    frames * dim !== window.length
  ) {
    throw new RangeError(`specAugment: window of ${window.length} values is not ${frames} frames × ${dim}`);
  }
  for (const key of ['timeMasks', 'maxTimeWidth', 'freqMasks', 'maxFreqWidth'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0)
      throw new TypeError(`specAugment: ${key} must be an integer >= 0`);
  }
  if (!(o.maxTimeFraction >= 0 && o.maxTimeFraction <= 1)) {
    throw new TypeError(`specAugment: maxTimeFraction must be in [0, 1], got ${o.maxTimeFraction}`);
  }
  let fill: number;
  if (o.fill === 'mean') {
    let s = 0;
    for (let i = 0; i < window.length; i++) s += window[i]!;
    fill = window.length > 0 ? s / window.length : 0;
  } else {
    fill = o.fill;
  }
  const maxT = Math.min(o.maxTimeWidth, Math.floor(o.maxTimeFraction * frames));
  const timeMasks: Mask[] = [];
  for (let m = 0; m < o.timeMasks; m++) {
    const mask = drawMask(rng, frames, maxT);
    window.fill(fill, mask.start * dim, (mask.start + mask.width) * dim);
    timeMasks.push(mask);
  }
  const freqMasks: Mask[] = [];
  for (let m = 0; m < o.freqMasks; m++) {
    const mask = drawMask(rng, dim, o.maxFreqWidth);
    for (let t = 0; t < frames; t++)
      window.fill(fill, t * dim + mask.start, t * dim + mask.start + mask.width);
    freqMasks.push(mask);
  }
  return { timeMasks, freqMasks, fill };
}

/**
 * Mixup: λ·a + (1 − λ)·b for two feature windows and their label distributions, with λ ~ Beta(α, α)
 * folded to λ ≥ 0.5 so the first example stays dominant (its speaker and utterance define the mix).
 * For emotion it smooths decision boundaries between neighbouring classes (calm/neutral, angry/
 * disgust) that acted corpora draw sharper than listeners do. α = 0.2 (default) makes most mixes
 * light; both inputs are left unchanged.
 */
export function mixup(
  a: { features: Float32Array; labels: Float32Array },
  b: { features: Float32Array; labels: Float32Array },
  rng: Rng,
  alpha = 0.2,
): { features: Float32Array; labels: Float32Array; lambda: number } {
  if (a.features.length !== b.features.length || a.labels.length !== b.labels.length) {
    throw new RangeError('mixup: both examples need the same feature and label sizes');
  }
  const l = rng.beta(alpha, alpha);
  const lambda = Math.max(l, 1 - l);
  const mix = (x: Float32Array, y: Float32Array) =>
    Float32Array.from(x, (v, i) => lambda * v + (1 - lambda) * y[i]!);
  return { features: mix(a.features, b.features), labels: mix(a.labels, b.labels), lambda };
}
