/**
 * Per-frame spectral descriptors computed from one frame's power spectrum: chroma, spectral
 * contrast, centroid, bandwidth and roll-off. Tables are built once per option set; the per-frame
 * functions allocate nothing.
 */
import { CONTRAST_EDGES_HZ, N_CHROMA } from './options.ts';

/** Chroma: triangular soft assignment of FFT bins (55 Hz..5 kHz) to the 12 pitch classes, C = 0. */
export class ChromaTable {
  private readonly bins: Int32Array;
  private readonly cls: Int32Array;
  private readonly weights: Float64Array;
  constructor(sampleRate: number, nFft: number) {
    const bins: number[] = [];
    const cls: number[] = [];
    const weights: number[] = [];
    for (let k = 1; k <= nFft >> 1; k++) {
      const f = (k * sampleRate) / nFft;
      if (f < 55 || f > 5000) continue;
      const pc = (((69 + 12 * Math.log2(f / 440)) % 12) + 12) % 12;
      for (let c = 0; c < N_CHROMA; c++) {
        const d = Math.abs(pc - c);
        const w = 1 - Math.min(d, 12 - d);
        if (w > 0) {
          bins.push(k);
          cls.push(c);
          weights.push(w);
        }
      }
    }
    this.bins = Int32Array.from(bins);
    this.cls = Int32Array.from(cls);
    this.weights = Float64Array.from(weights);
  }

  /** Writes 12 chroma values, normalised so the strongest class is 1 (all 0 for silence). */
  compute(power: Float64Array, amin: number, out: Float32Array, off: number, scratch: Float64Array): void {
    scratch.fill(0, 0, N_CHROMA);
    for (let i = 0; i < this.bins.length; i++)
      scratch[this.cls[i]!]! += this.weights[i]! * power[this.bins[i]!]!;
    let max = 0;
    for (let c = 0; c < N_CHROMA; c++) if (scratch[c]! > max) max = scratch[c]!;
    const inv = max > amin ? 1 / max : 0;
    for (let c = 0; c < N_CHROMA; c++) out[off + c] = scratch[c]! * inv;
  }
}

/** Spectral contrast: peak-to-valley level in dB per octave band (7 values at 16 kHz). */
export class ContrastTable {
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly count: Int32Array;
  constructor(sampleRate: number, nFft: number) {
    const nBins = (nFft >> 1) + 1;
    const nb = CONTRAST_EDGES_HZ.length;
    this.start = new Int32Array(nb);
    this.end = new Int32Array(nb);
    this.count = new Int32Array(nb);
    for (let b = 0; b < nb; b++) {
      const lo = CONTRAST_EDGES_HZ[b]!;
      const hi = b + 1 < nb ? CONTRAST_EDGES_HZ[b + 1]! : Number.POSITIVE_INFINITY;
      let s = -1;
      let e = -1;
      for (let k = 0; k < nBins; k++) {
        const f = (k * sampleRate) / nFft;
        if (f >= lo && f < hi) {
          if (s < 0) s = k;
          e = k + 1;
        }
      }
      if (s < 0) throw new TypeError(`spectral contrast band ${lo} Hz is empty at this sample rate`);
      this.start[b] = s;
      this.end[b] = e;
      this.count[b] = Math.max(1, Math.floor(0.02 * (e - s) + 0.5));
    }
  }

  /** Writes one contrast value per band; `scratch` must hold at least nFft/2 + 1 values. */
  compute(mag: Float64Array, amin: number, out: Float32Array, off: number, scratch: Float64Array): void {
    for (let b = 0; b < this.start.length; b++) {
      const s = this.start[b]!;
      const len = this.end[b]! - s;
      const band = scratch.subarray(0, len);
      band.set(mag.subarray(s, s + len));
      band.sort();
      const n = this.count[b]!;
      let valley = 0;
      let peak = 0;
      for (let i = 0; i < n; i++) {
        valley += band[i]!;
        peak += band[len - 1 - i]!;
      }
      valley /= n;
      peak /= n;
      out[off + b] = 10 * Math.log10(Math.max(peak, amin)) - 10 * Math.log10(Math.max(valley, amin));
    }
  }
}

/**
 * Centroid, bandwidth (p = 2) and roll-off of a magnitude spectrum, in Hz. Writes the requested
 * values at the given offsets (negative offset = not requested).
 */
export function spectralShape(
  mag: Float64Array,
  binHz: number,
  rolloffPercent: number,
  out: Float32Array,
  centroidOff: number,
  bandwidthOff: number,
  rolloffOff: number,
): void {
  let sum = 0;
  let wsum = 0;
  for (let k = 0; k < mag.length; k++) {
    sum += mag[k]!;
    wsum += k * binHz * mag[k]!;
  }
  const centroid = sum > 0 ? wsum / sum : 0;
  if (centroidOff >= 0) out[centroidOff] = centroid;
  if (bandwidthOff >= 0) {
    let v = 0;
    if (sum > 0) {
      for (let k = 0; k < mag.length; k++) {
        const d = k * binHz - centroid;
        v += mag[k]! * d * d;
      }
      v = Math.sqrt(v / sum);
    }
    out[bandwidthOff] = v;
  }
  if (rolloffOff >= 0) {
    let r = 0;
    if (sum > 0) {
      const target = rolloffPercent * sum;
      let acc = 0;
      for (let k = 0; k < mag.length; k++) {
        acc += mag[k]!;
        if (acc >= target) {
          r = k * binHz;
          break;
        }
      }
    }
    out[rolloffOff] = r;
  }
}
