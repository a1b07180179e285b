/**
 * Tempo and pitch: Kaldi-style speed perturbation by resampling, a WSOLA time-stretch, and a pitch
 * shift that keeps the duration by combining the two.
 */
import { resampleOffline } from '@emostream/shared/audio/resample';
import { SAMPLE_RATE } from './dsp.ts';

/**
 * The input rate that makes `resampleOffline(x, rate, 16000)` play `x` `factor` times faster.
 * libsamplerate takes integer rates, so the factor is quantised to steps of 1/16000 (≤ 0.003%).
 */
function speedRate(factor: number): number {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new RangeError(`speed factor must be > 0, got ${factor}`);
  const rate = Math.round(SAMPLE_RATE * factor);
  if (rate < 1000 || rate > 192_000) throw new RangeError(`speed factor ${factor} is outside 1000/16000..12`);
  return rate;
}

/**
 * Speed perturbation (Ko et al. 2015, Kaldi's `speed` 0.9/1.0/1.1): reads the 16 kHz clip as if it had
 * been recorded at 16000·`factor` Hz and resamples it to 16 kHz, so tempo *and* pitch change by
 * `factor` and the length becomes ≈ `x.length / factor`. Band-limited (libsamplerate, medium quality):
 * speeding up drops what would land above 8 kHz instead of aliasing it. Always returns a new array.
 *
 * @example
 * ```ts
 * const faster = await speedPerturb(clip, 1.1); // 17600 → 16000 Hz: 10% shorter, F0 × 1.1
 * ```
 */
export async function speedPerturb(x: Float32Array, factor: number): Promise<Float32Array> {
  const rate = speedRate(factor);
  if (rate === SAMPLE_RATE || x.length === 0) return Float32Array.from(x);
  return resampleOffline(x, rate, SAMPLE_RATE, 'medium');
}

/** Options of {@link timeStretch}. */
export interface WsolaOptions {
  /** Frame length in samples (Hann window, 50% overlap). Default 640 (40 ms): ≥ 2 periods at 50 Hz. */
  frameSamples: number;
  /**
   * Largest shift of each analysis frame from its nominal place, samples. Default 160 (±10 ms): the
   * search spans 321 lags, more than one period of any F0 above 50 Hz, so an in-phase match exists.
   */
  toleranceSamples: number;
}

/** Default {@link WsolaOptions}. */
export const defaultWsolaOptions: WsolaOptions = Object.freeze({ frameSamples: 640, toleranceSamples: 160 });

/**
 * Time-stretch by WSOLA (Verhelst & Roelands 1993) to exactly `outLength` samples, keeping pitch and
 * spectrum. Output frames are laid at a fixed hop of half a frame; each one is read from the input
 * near its nominal place (output time × input/output ratio), shifted within ±tolerance to the lag whose
 * first half best matches (normalised cross-correlation) the natural continuation of the previous
 * frame, so consecutive frames overlap in phase and the Hann cross-fades do not cancel.
 *
 * Quality: for ratios within 0.8–1.25 voiced speech comes out clean, with no phasiness since every
 * output sample is a cross-fade of two in-phase input segments, and F0 is kept: on a steady tone
 * exactly, on glides and vibrato within 0.25% (the lag search reads up to ±10 ms off the nominal
 * place, so a moving F0 is sampled slightly early or late). Faults, mild at the ±2 semitone shifts used
 * for augmentation: a plosive may be doubled or dropped, and onsets may move by up to 10 ms.
 */
export function timeStretch(
  x: Float32Array,
  outLength: number,
  options: Partial<WsolaOptions> = {},
): Float32Array {
  const { frameSamples: n, toleranceSamples: tol } = { ...defaultWsolaOptions, ...options };
  if (!Number.isInteger(n) || n < 4 || n % 2 !== 0)
    throw new RangeError(`frameSamples must be even >= 4, got ${n}`);
  if (!Number.isInteger(tol) || tol < 0) throw new RangeError(`toleranceSamples must be >= 0, got ${tol}`);
  if (!Number.isInteger(outLength) || outLength < 0)
    throw new RangeError(`outLength must be >= 0, got ${outLength}`);
  if (outLength === 0 || x.length === 0) return new Float32Array(outLength);
  const hop = n / 2;
  const overlap = n - hop;
  const step = x.length / outLength; // input samples per output sample
  // The input is read with `tol` zeros before and a frame plus `tol` after, so no lag leaves it.
  const lead = tol;
  const xp = new Float64Array(lead + x.length + n + tol + hop);
  xp.set(x, lead);
  const maxStart = xp.length - n;
  // Hann shifted by half a sample: still sums to exactly 1 at 50% overlap, but never 0, so the
  // first and last samples survive the normalisation by the window sum.
  const window = new Float64Array(n);
  for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  const frames = Math.ceil(outLength / hop) + 1;
  const acc = new Float64Array(frames * hop + n);
  const wsum = new Float64Array(acc.length);
  let prev = lead;
  for (let k = 0; k < frames; k++) {
    const nominal = lead + Math.round(k * hop * step);
    let start = nominal;
    if (k > 0 && tol > 0) {
      const target = prev + hop;
      let bestScore = Number.NEGATIVE_INFINITY;
      let bestLag = 0;
      for (let lag = -tol; lag <= tol; lag++) {
        const c = nominal + lag;
        if (c < 0 || c > maxStart) continue;
        let dot = 0;
        let energy = 0;
        for (let i = 0; i < overlap; i++) {
          const v = xp[c + i]!;
          dot += v * xp[target + i]!;
          energy += v * v;
        }
        const score = dot / Math.sqrt(energy + 1e-12);
        // Ties (silence) go to the lag nearest the nominal place, keeping the time axis straight.
        const tie = Math.abs(score - bestScore) <= 1e-12;
        if ((score > bestScore && !tie) || (tie && Math.abs(lag) < Math.abs(bestLag))) {
          bestScore = score;
          bestLag = lag;
        }
      }
      start = nominal + bestLag;
    }
    start = Math.min(Math.max(start, 0), maxStart);
    const at = k * hop;
    for (let i = 0; i < n; i++) {
      acc[at + i]! += window[i]! * xp[start + i]!;
      wsum[at + i]! += window[i]!;
    }
    prev = start;
  }
  const out = new Float32Array(outLength);
  for (let i = 0; i < outLength; i++) out[i] = acc[i]! / wsum[i]!;
  return out;
}

/**
 * Pitch shift by `semitones` keeping the duration: {@link speedPerturb} by r = 2^(semitones/12) moves
 * F0 and every formant by r and the length to N/r, then {@link timeStretch} (WSOLA) restores exactly
 * N samples without touching pitch. Formants move with F0, like a differently sized vocal tract: a
 * plausible other speaker for small shifts, "chipmunk" beyond ±3 semitones. Async (resampling).
 * Measured on RAVDESS (per-frame F0 ratio, median): within 0.7% of 2^(st/12) for ±1 and ±2 semitones.
 *
 * @example
 * ```ts
 * const higher = await pitchShift(clip, 1); // F0 × 1.0595, same length
 * ```
 */
export async function pitchShift(x: Float32Array, semitones: number): Promise<Float32Array> {
  if (!Number.isFinite(semitones)) throw new RangeError(`semitones must be finite, got ${semitones}`);
  if (semitones === 0 || x.length === 0) return Float32Array.from(x);
  const resampled = await speedPerturb(x, 2 ** (semitones / 12));
  return timeStretch(resampled, x.length);
}
