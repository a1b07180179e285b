/**
 * Level changes that cannot leave the [−1, 1] range.
 */

/**
 * Level above which {@link applyGain} starts to compress. Below it the gain is exactly linear; above it
 * a tanh knee bends the curve smoothly (continuous value and slope) towards ±1, never reaching it.
 */
export const SOFT_CLIP_KNEE = 0.8;

/**
 * Multiplies by `db` decibels, then soft-clips: |y| ≤ 0.8 passes unchanged, louder samples follow
 * 0.8 + 0.2·tanh((|y| − 0.8)/0.2), so the output stays inside (−1, 1) for any gain, with no wrap-around
 * and no flat-topped hard clipping, only the mild saturation a real preamp or AGC would add.
 */
export function applyGain(x: Float32Array, db: number): Float32Array {
  if (!Number.isFinite(db)) throw new RangeError(`applyGain: db must be finite, got ${db}`);
  const g = 10 ** (db / 20);
  const span = 1 - SOFT_CLIP_KNEE;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const y = x[i]! * g;
    const a = Math.abs(y);
    out[i] =
      a <= SOFT_CLIP_KNEE
        ? y
        : Math.sign(y) * (SOFT_CLIP_KNEE + span * Math.tanh((a - SOFT_CLIP_KNEE) / span));
  }
  return out;
}

/** `x` scaled so its largest magnitude sits at `db` dBFS (a silent clip comes back as it is). */
export function normalizePeak(x: Float32Array, db: number): Float32Array {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  if (peak === 0) return x;
  const g = 10 ** (db / 20) / peak;
  return x.map((v) => v * g);
}
