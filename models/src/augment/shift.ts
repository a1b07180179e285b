/**
 * Random padding that moves the words relative to the feature pipeline's analysis windows.
 */
import { SAMPLE_RATE } from './dsp.ts';
import type { Rng } from './rng.ts';

/** Options of {@link timeShift}. */
export interface TimeShiftOptions {
  /** Longest padding added at each end, seconds. */
  maxShiftS: number;
  /**
   * What to pad with: `'floor'` (default) Gaussian noise at the clip's own noise floor (the mean power
   * of its quietest 10% of 20 ms frames), so the padding sounds like the rest of the recording and
   * leaves no level step; `'silence'` exact zeros.
   */
  pad?: 'floor' | 'silence';
}

/**
 * Pads both ends with independent random lengths in [0, maxShiftS] of low-level noise or silence. The
 * clip gets longer; the point is that the fixed analysis windows of the feature pipeline then fall at
 * different places on the words, so the model cannot key on a particular alignment. Returns the padding
 * actually added, for logs.
 */
export function timeShift(
  x: Float32Array,
  rng: Rng,
  options: TimeShiftOptions,
): { samples: Float32Array; leadSamples: number; trailSamples: number } {
  if (!(options.maxShiftS >= 0 && Number.isFinite(options.maxShiftS))) {
    throw new RangeError(`timeShift: maxShiftS must be >= 0, got ${options.maxShiftS}`);
  }
  const max = Math.round(options.maxShiftS * SAMPLE_RATE);
  const leadSamples = rng.int(0, max);
  const trailSamples = rng.int(0, max);
  const out = new Float32Array(leadSamples + x.length + trailSamples);
  out.set(x, leadSamples);
  if ((options.pad ?? 'floor') === 'floor') {
    const rms = Math.sqrt(noiseFloor(x));
    for (let i = 0; i < leadSamples; i++) out[i] = rms * rng.normal();
    for (let i = leadSamples + x.length; i < out.length; i++) out[i] = rms * rng.normal();
  }
  return { samples: out, leadSamples, trailSamples };
}

/** Mean power of the quietest 10% of 20 ms frames (at least one frame). */
function noiseFloor(x: Float32Array): number {
  const frames = Math.floor(x.length / 320);
  if (frames === 0) return 0;
  const powers = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * 320; i < (f + 1) * 320; i++) s += x[i]! * x[i]!;
    powers[f] = s / 320;
  }
  powers.sort();
  const k = Math.max(1, Math.floor(frames / 10));
  let s = 0;
  for (let i = 0; i < k; i++) s += powers[i]!;
  return s / k;
}
