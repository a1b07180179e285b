/**
 * Slaney-style mel scale and filterbank, identical in definition to librosa's defaults
 * (`librosa.filters.mel(..., htk=False, norm='slaney')`), so that models trained on librosa-style
 * features and ours agree.
 */

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Hz to Slaney mel: linear below 1 kHz, logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

/** Slaney mel to Hz, the inverse of {@link hzToMelSlaney}. */
export function melToHzSlaney(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/**
 * Dense mel filterbank, row-major `nMels x (nFft / 2 + 1)`, Slaney-normalised (each triangle has
 * unit area in Hz, so band energies do not grow with bandwidth).
 *
 * @example
 * const fb = melFilterbank(16000, 512, 64, 0, 8000); // fb[m * 257 + k]
 */
export function melFilterbank(
  sampleRate: number,
  nFft: number,
  nMels: number,
  fMinHz: number,
  fMaxHz: number,
): Float32Array {
  const nBins = (nFft >> 1) + 1;
  const melMin = hzToMelSlaney(fMinHz);
  const melMax = hzToMelSlaney(fMaxHz);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const weights = new Float32Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m]!;
    const mid = melF[m + 1]!;
    const hi = melF[m + 2]!;
    const enorm = 2 / (hi - lo);
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      const w = Math.max(0, Math.min(lower, upper));
      weights[m * nBins + k] = w * enorm;
    }
  }
  return weights;
}

/** A filterbank stored as one contiguous run of non-zero weights per band (fast to apply). */
export interface SparseFilterbank {
  readonly nBands: number;
  /** First bin of each band. */
  readonly start: Int32Array;
  /** Number of bins of each band. */
  readonly length: Int32Array;
  /** Offset of each band's weights in `weights`. */
  readonly offset: Int32Array;
  readonly weights: Float64Array;
}

/** Compresses a dense row-major filterbank into contiguous non-zero runs. */
export function toSparse(dense: Float32Array, nBands: number, nBins: number): SparseFilterbank {
  const start = new Int32Array(nBands);
  const length = new Int32Array(nBands);
  const offset = new Int32Array(nBands);
  const runs: number[] = [];
  for (let m = 0; m < nBands; m++) {
    let first = -1;
    let last = -1;
    for (let k = 0; k < nBins; k++) {
      if (dense[m * nBins + k]! !== 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    offset[m] = runs.length;
    if (first < 0) continue;
    start[m] = first;
    length[m] = last - first + 1;
    for (let k = first; k <= last; k++) runs.push(dense[m * nBins + k]!);
  }
  return { nBands, start, length, offset, weights: Float64Array.from(runs) };
}
