/**
 * Measurements shared by the augmentation tests: F0 through the project's pitch tracker, band energies
 * from a Welch power spectrum, correlation, and the golden RAVDESS clip.
 */
import { PitchAnalyzer } from '@emostream/shared/features/pitch';
import { loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import FFT from 'fft.js';

/** Actor 1 (male), angry, strong intensity: loud vowels framed by ~1 s of near-silence. */
export const GOLDEN_STEM = '03-01-05-02-01-01-01';

let golden: Promise<Float32Array> | undefined;

/** The golden clip, decoded once per test file. */
export function goldenClip(): Promise<Float32Array> {
  golden ??= loadClip(ravdessPath(1, GOLDEN_STEM));
  return golden;
}

/** F0 of every voiced 64 ms frame, hop 10 ms. */
export function voicedF0(x: Float32Array): number[] {
  const pitch = new PitchAnalyzer({ sampleRate: 16000 });
  const out = new Float32Array(2);
  const f0: number[] = [];
  for (let at = 0; at + 1024 <= x.length; at += 160) {
    pitch.analyze(x, at, out, 0);
    if (out[0]! > 0 && out[1]! >= 0.5) f0.push(out[0]!);
  }
  return f0;
}

/**
 * Median over frames voiced in both signals of F0(y) / F0(x), comparing y at output sample t with x at
 * input sample t·`timeScale` (the factor by which y runs faster; 1 when timing is kept). Pairing frames
 * cancels the speaker's own F0 spread, which makes a ratio of two medians drift by up to 2% on shouted
 * speech (whose F0 reaches the tracker's 500 Hz ceiling) even for an exact resampling.
 */
export function pairedF0Ratio(x: Float32Array, y: Float32Array, timeScale: number): number {
  const pitch = new PitchAnalyzer({ sampleRate: 16000 });
  const out = new Float32Array(2);
  const f0At = (buf: Float32Array, at: number): number => {
    if (at < 0 || at + 1024 > buf.length) return 0;
    pitch.analyze(buf, at, out, 0);
    return out[1]! >= 0.5 ? out[0]! : 0;
  };
  const ratios: number[] = [];
  for (let at = 0; at + 1024 <= y.length; at += 160) {
    const fy = f0At(y, at);
    const fx = f0At(x, Math.round((at + 512) * timeScale - 512));
    if (fy > 0 && fx > 0) ratios.push(fy / fx);
  }
  return median(ratios);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Welch power spectrum (1024-point Hann, 50% overlap), bin k at k·16000/1024 Hz. */
export function powerSpectrum(x: Float32Array, size = 1024): Float64Array {
  const fft = new FFT(size);
  const frame = new Float64Array(size);
  const spec = fft.createComplexArray() as number[];
  const psd = new Float64Array(size / 2 + 1);
  for (let at = 0; at + size <= x.length; at += size / 2) {
    for (let i = 0; i < size; i++) frame[i] = x[at + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
    fft.realTransform(spec, frame);
    for (let k = 0; k <= size / 2; k++) psd[k]! += spec[2 * k]! ** 2 + spec[2 * k + 1]! ** 2;
  }
  return psd;
}

/** Sum of `psd` over bins whose centre lies in [loHz, hiHz). */
export function bandEnergy(psd: Float64Array, loHz: number, hiHz: number, sampleRate = 16000): number {
  const binHz = sampleRate / (2 * (psd.length - 1));
  let s = 0;
  for (let k = 0; k < psd.length; k++) if (k * binHz >= loHz && k * binHz < hiHz) s += psd[k]!;
  return s;
}

/** Pearson correlation of two equally long signals. */
export function correlation(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export const db = (ratio: number): number => 10 * Math.log10(ratio);
