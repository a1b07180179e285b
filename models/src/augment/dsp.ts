/**
 * DSP building blocks shared by the waveform augmentations: biquad filters (RBJ cookbook), an active
 * speech level in the spirit of ITU-T P.56, and FFT convolution. Everything runs in double precision
 * and returns fresh arrays.
 */
import FFT from 'fft.js';

/** Sample rate every augmentation works at. */
export const SAMPLE_RATE = 16000;

/** Normalised biquad coefficients (a0 = 1) of H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²). */
export interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

function normalise(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): Biquad {
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

function checkCorner(hz: number, sampleRate: number): number {
  if (!(hz > 0 && hz < sampleRate / 2)) {
    throw new RangeError(`filter corner ${hz} Hz must lie in (0, ${sampleRate / 2}) Hz`);
  }
  return (2 * Math.PI * hz) / sampleRate;
}

/** Second-order low-pass (RBJ cookbook) with corner `hz` and quality `q`. */
export function lowPass(hz: number, q: number, sampleRate = SAMPLE_RATE): Biquad {
  const w0 = checkCorner(hz, sampleRate);
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  return normalise((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
}

/** Second-order high-pass (RBJ cookbook) with corner `hz` and quality `q`. */
export function highPass(hz: number, q: number, sampleRate = SAMPLE_RATE): Biquad {
  const w0 = checkCorner(hz, sampleRate);
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  return normalise((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
}

/** Shelving filter (RBJ cookbook, slope 1): `gainDb` below (`low`) or above (`high`) the corner. */
export function shelf(kind: 'low' | 'high', hz: number, gainDb: number, sampleRate = SAMPLE_RATE): Biquad {
  const w0 = checkCorner(hz, sampleRate);
  const a = 10 ** (gainDb / 40);
  const cos = Math.cos(w0);
  const twoSqrtAAlpha = 2 * Math.sqrt(a) * (Math.sin(w0) / 2) * Math.SQRT2;
  const s = kind === 'low' ? 1 : -1;
  return normalise(
    a * (a + 1 - s * (a - 1) * cos + twoSqrtAAlpha),
    s * 2 * a * (a - 1 - s * (a + 1) * cos),
    a * (a + 1 - s * (a - 1) * cos - twoSqrtAAlpha),
    a + 1 + s * (a - 1) * cos + twoSqrtAAlpha,
    -s * 2 * (a - 1 + s * (a + 1) * cos),
    a + 1 + s * (a - 1) * cos - twoSqrtAAlpha,
  );
}

/**
 * An even-order Butterworth low- or high-pass as a cascade of `order / 2` biquads. The cookbook's
 * bilinear transform pre-warps the corner, so the cascade is −3 dB exactly at `hz`.
 */
export function butterworth(
  kind: 'low' | 'high',
  hz: number,
  order: number,
  sampleRate = SAMPLE_RATE,
): Biquad[] {
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0) {
    throw new RangeError(`Butterworth order must be an even integer >= 2, got ${order}`);
  }
  const sections: Biquad[] = [];
  for (let k = 0; k < order / 2; k++) {
    const q = 1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * order)));
    sections.push(kind === 'low' ? lowPass(hz, q, sampleRate) : highPass(hz, q, sampleRate));
  }
  return sections;
}

/** Runs `x` through a cascade of biquads (transposed direct form II, from rest); returns a new array. */
export function filterCascade(x: Float32Array, sections: readonly Biquad[]): Float32Array {
  const y = Float64Array.from(x);
  for (const { b0, b1, b2, a1, a2 } of sections) {
    let z1 = 0;
    let z2 = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      const out = b0 * v + z1;
      z1 = b1 * v - a1 * out + z2;
      z2 = b2 * v - a2 * out;
      y[i] = out;
    }
  }
  return Float32Array.from(y);
}

/** Mean square of `x` (0 for an empty array). */
export function meanSquare(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length === 0 ? 0 : s / x.length;
}

/** Result of {@link activeSpeechLevel}. */
export interface ActiveLevel {
  /** Mean square over the active frames (linear power; 0 for digital silence). */
  power: number;
  /** Frames counted as active, out of {@link totalFrames}. */
  activeFrames: number;
  totalFrames: number;
  /** Frame power in dB (re full scale) at and above which a frame counted as active. */
  gateDb: number;
}

/**
 * Margin between the active level and the activity gate, as in ITU-T P.56 (15.9 dB). With it, the
 * breaths and room noise before and after RAVDESS utterances (40–80 dB under the vowels) fall below
 * the gate while weak consonants of continuous speech stay above it.
 */
export const ACTIVITY_MARGIN_DB = 15.9;

/** Below this a frame is digital silence, never speech, whatever the margin says (−100 dBFS). */
const SILENCE_POWER = 1e-10;

/**
 * Active speech level in the spirit of ITU-T P.56, on 20 ms frames instead of P.56's sample envelope:
 * the gate is the lowest frame power such that the mean power of all frames at or above it is no more
 * than {@link ACTIVITY_MARGIN_DB} above it. Unlike the mean square of the whole clip this ignores
 * leading and trailing silence, so an SNR set against it means the same for a clip with 0.2 s or 2 s
 * of silence around the words. A clip shorter than one frame is measured as one frame.
 */
export function activeSpeechLevel(x: Float32Array, frameSamples = 320): ActiveLevel {
  const frames = Math.max(1, Math.floor(x.length / frameSamples));
  const powers = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const start = f * frameSamples;
    const end = frames === 1 ? x.length : start + frameSamples;
    powers[f] = meanSquare(x.subarray(start, end));
  }
  const sorted = Float64Array.from(powers).sort().reverse();
  let sum = 0;
  let best = 0;
  let bestSum = 0;
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k]!;
    if (p <= SILENCE_POWER) break;
    sum += p;
    if (10 * Math.log10(sum / (k + 1) / p) <= ACTIVITY_MARGIN_DB) {
      best = k + 1;
      bestSum = sum;
    }
  }
  if (best === 0) return { power: 0, activeFrames: 0, totalFrames: frames, gateDb: Number.NEGATIVE_INFINITY };
  return {
    power: bestSum / best,
    activeFrames: best,
    totalFrames: frames,
    gateDb: 10 * Math.log10(sorted[best - 1]!),
  };
}

function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * Linear convolution `x * h` truncated to `outLength` samples (default the full `x.length + h.length − 1`),
 * by FFT overlap-add with blocks sized to `h`, so memory stays proportional to `h` however long `x` is.
 */
export function fftConvolve(
  x: Float32Array,
  h: Float32Array,
  outLength = x.length + h.length - 1,
): Float32Array {
  const out = new Float64Array(Math.max(0, outLength));
  if (x.length === 0 || h.length === 0 || outLength <= 0) return new Float32Array(out.length);
  const size = Math.max(256, nextPowerOfTwo(2 * h.length));
  const block = size - h.length + 1;
  const fft = new FFT(size);
  const padded = new Float64Array(size);
  padded.set(h);
  const hSpec = fft.createComplexArray() as number[];
  fft.realTransform(hSpec, padded);
  fft.completeSpectrum(hSpec);
  const spec = fft.createComplexArray() as number[];
  const prod = fft.createComplexArray() as number[];
  const time = fft.createComplexArray() as number[];
  for (let start = 0; start < x.length && start < outLength; start += block) {
    padded.fill(0);
    padded.set(x.subarray(start, Math.min(x.length, start + block)));
    fft.realTransform(spec, padded);
    fft.completeSpectrum(spec);
    for (let k = 0; k < 2 * size; k += 2) {
      const ar = spec[k]!;
      const ai = spec[k + 1]!;
      const br = hSpec[k]!;
      const bi = hSpec[k + 1]!;
      prod[k] = ar * br - ai * bi;
      prod[k + 1] = ar * bi + ai * br;
    }
    fft.inverseTransform(time, prod);
    const end = Math.min(outLength, start + size);
    for (let i = start; i < end; i++) out[i]! += time[2 * (i - start)]!;
  }
  return Float32Array.from(out);
}
