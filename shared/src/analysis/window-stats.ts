/**
 * Utterance-level statistics of a normalised feature window: per dimension the mean, standard
 * deviation, 10th/50th/90th percentiles and mean absolute frame-to-frame change, over the window's
 * real (unpadded) frames. Statistics of this kind ("functionals", as in openSMILE's feature sets)
 * summarise prosody and spectral shape over an utterance; on the official split an MLP over them,
 * with session normalisation, beat the CNNs trained in the same time budget.
 *
 * With a {@link StatsVoicing}, the F0 dimension is summarised over voiced frames only: unvoiced
 * frames carry F0 = 0, and averaging those zeros in would measure how much of the window is voiced
 * rather than how high or how varied the pitch is.
 *
 * With a {@link StatsContour}, a few signed shape descriptors follow: the functionals above are
 * order-free, so a rising and a falling pitch with the same range look alike to them, while
 * intonation (a question's rise, a sad utterance's fall) is among the strongest emotion cues.
 */

/** Functionals per dimension, in output order. */
export const WINDOW_STATS = ['mean', 'std', 'p10', 'p50', 'p90', 'delta'] as const;

/** Shape descriptors of the F0 contour, in output order (see {@link StatsContour}). */
export const F0_CONTOUR = ['trend', 'endMinusStart', 'q1', 'q2', 'q3', 'q4', 'peakAt'] as const;
/** Shape descriptors of each other contour dimension, in output order. */
export const DIM_CONTOUR = ['trend', 'endMinusStart'] as const;

/**
 * Contour descriptors appended after the functionals. For the F0 dimension (over voiced frames
 * when a {@link StatsVoicing} is given): the least-squares slope over the window's time axis scaled
 * to [-1, 1], the mean of the last quarter minus the first, the four quarters' means minus the
 * whole mean, and where the maximum falls (0 = start, 1 = end). For each of `dims` (e.g. RMS
 * energy, MFCC c0): slope and last minus first quarter. Too short a contour (fewer than 4 frames
 * for the slope, 8 for the quarters) gives zeros (0.5 for the peak position).
 */
export interface StatsContour {
  /** Index of the F0 dimension, when the frames carry pitch. */
  f0?: number;
  /** Other dimensions whose trend is described. */
  dims: readonly number[];
}

/** What {@link windowStats} computes beyond the plain functionals. */
export interface StatsOptions {
  gate?: StatsGate | undefined;
  voicing?: StatsVoicing | undefined;
  contour?: StatsContour | undefined;
  /**
   * Summarise the window's speech rows only (see {@link statsSpan}), not the pause around a short
   * utterance: a pause's level is the room's and the line's (silence on a studio recording, the noise
   * floor on a call), so with it in, the same words in noise give very different statistics.
   */
  speechOnly?: boolean | undefined;
}

/** Where a window's rows are: pads at both ends, and the speech within the real rows. */
export interface WindowSpan {
  frames: number;
  padStart: number;
  padEnd: number;
  speechStart: number;
  speechEnd: number;
}

/**
 * The rows {@link windowStats} should summarise, as leading and trailing rows to leave out: the
 * pads, or with `speechOnly` everything outside `[speechStart, speechEnd)` (the pads when that is empty).
 */
export function statsSpan(w: WindowSpan, options: StatsOptions = {}): { skipStart: number; skipEnd: number } {
  if (options.speechOnly && w.speechEnd > w.speechStart)
    return {
      skipStart: Math.max(w.padStart, w.speechStart),
      skipEnd: Math.max(w.padEnd, w.frames - w.speechEnd),
    };
  return { skipStart: w.padStart, skipEnd: w.padEnd };
}

/** Length of the statistics vector for a feature dimension. */
export function windowStatsSize(dim: number, options: StatsOptions = {}): number {
  const c = options.contour;
  const contour = c ? (c.f0 === undefined ? 0 : F0_CONTOUR.length) + DIM_CONTOUR.length * c.dims.length : 0;
  return WINDOW_STATS.length * dim + contour;
}

/** Optional loudness gate of {@link windowStats}. */
export interface StatsGate {
  /** Loudness of a frame = mean of its first `dims` values (the normalised log-mel bands). */
  dims: number;
  /** Frames quieter than the loudest by more than this (normalised units) are left out. */
  below: number;
  /** Keep every frame when fewer than this many pass. */
  minFrames: number;
}

/** Voiced-only statistics of the F0 dimension in {@link windowStats}. */
export interface StatsVoicing {
  /**
   * Index of the F0 dimension in the frame vector (the `pitch` feature's first value). The extractor
   * writes F0 = 0 on unvoiced frames and the normaliser is increasing and the same for every frame
   * of a window, so unvoiced frames are exactly those holding the window's lowest F0 value (a window
   * voiced throughout loses its lowest frame, a negligible bias).
   */
  f0: number;
}

/**
 * Writes the statistics of frames `[padStart, frames - padEnd)` of `window` (row-major,
 * `frames x dim`) into `out` at `outOffset`, laid out functional-major (`out[k * dim + d]`), then
 * the contour descriptors if asked. With a `gate`, only the frames within `gate.below` of the
 * loudest frame count, so the silence around a short utterance does not dilute its statistics.
 * With `voicing`, the F0 dimension's functionals (and contour) are taken over the voiced frames
 * among those (zeros when none is voiced); the other dimensions are unchanged.
 */
export function windowStats(
  window: Float32Array,
  frames: number,
  dim: number,
  padStart: number,
  padEnd: number,
  out: Float32Array = new Float32Array(windowStatsSize(dim)),
  outOffset = 0,
  options: StatsOptions = {},
): Float32Array {
  const { gate, voicing, contour } = options;
  const first = Math.max(0, padStart);
  const last = Math.min(frames, frames - padEnd);
  let rows = Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i);
  if (gate && rows.length > 0) {
    const loud = rows.map((t) => {
      let s = 0;
      for (let d = 0; d < gate.dims; d++) s += window[t * dim + d]!;
      return s / gate.dims;
    });
    const max = Math.max(...loud);
    const kept = rows.filter((_, i) => loud[i]! >= max - gate.below);
    if (kept.length >= gate.minFrames) rows = kept;
  }
  const col = new Float32Array(Math.max(rows.length, 1));
  let f0Rows: number[] | undefined;
  for (let d = 0; d < dim; d++) {
    const use = voicing && d === voicing.f0 ? voicedRows(window, dim, d, rows) : rows;
    if (voicing && d === voicing.f0) f0Rows = use;
    functionals(window, dim, d, use, col, out, outOffset);
  }
  if (contour) {
    let o = outOffset + WINDOW_STATS.length * dim;
    if (contour.f0 !== undefined) {
      const f = contour.f0;
      const use = voicing && f === voicing.f0 ? (f0Rows ?? voicedRows(window, dim, f, rows)) : rows;
      const n = gather(window, dim, f, use, col);
      out[o++] = trend(col, n);
      out[o++] = endMinusStart(col, n);
      const q = Math.floor(n / 4);
      const mean = n > 0 ? sumOf(col, 0, n) / n : 0;
      for (let k = 0; k < 4; k++) out[o++] = q >= 2 ? sumOf(col, k * q, (k + 1) * q) / q - mean : 0;
      let at = 0;
      for (let t = 1; t < n; t++) if (col[t]! > col[at]!) at = t;
      out[o++] = n >= 8 ? at / (n - 1) : 0.5;
    }
    for (const d of contour.dims) {
      const n = gather(window, dim, d, rows, col);
      out[o++] = trend(col, n);
      out[o++] = endMinusStart(col, n);
    }
  }
  return out;
}

/** Copies dimension `d` of `rows` into `col`; returns how many. */
function gather(
  window: Float32Array,
  dim: number,
  d: number,
  rows: readonly number[],
  col: Float32Array,
): number {
  for (let t = 0; t < rows.length; t++) col[t] = window[rows[t]! * dim + d]!;
  return rows.length;
}

function sumOf(col: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let t = from; t < to; t++) s += col[t]!;
  return s;
}

/** Least-squares slope of `col[0..n)` against time spread evenly over [-1, 1] (0 below 4 values). */
function trend(col: Float32Array, n: number): number {
  if (n < 4) return 0;
  const mean = sumOf(col, 0, n) / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    const x = -1 + (2 * t) / (n - 1);
    num += x * (col[t]! - mean);
    den += x * x;
  }
  return num / den;
}

/** Mean of the last quarter minus mean of the first (0 below 8 values). */
function endMinusStart(col: Float32Array, n: number): number {
  if (n < 8) return 0;
  const q = Math.floor(n / 4);
  return (sumOf(col, n - q, n) - sumOf(col, 0, q)) / q;
}

/** The rows whose value in dimension `d` is above the lowest (the voiced frames; see {@link StatsVoicing}). */
function voicedRows(window: Float32Array, dim: number, d: number, rows: readonly number[]): number[] {
  let min = Number.POSITIVE_INFINITY;
  for (const t of rows) min = Math.min(min, window[t * dim + d]!);
  return rows.filter((t) => window[t * dim + d]! > min);
}

/** Writes the functionals of dimension `d` over `rows` (zeros for no rows); `col` is scratch. */
function functionals(
  window: Float32Array,
  dim: number,
  d: number,
  rows: readonly number[],
  col: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const n = rows.length;
  if (n <= 0) {
    for (let k = 0; k < WINDOW_STATS.length; k++) out[outOffset + k * dim + d] = 0;
    return;
  }
  let sum = 0;
  let sumSq = 0;
  let delta = 0;
  let prev = window[rows[0]! * dim + d]!;
  for (let t = 0; t < n; t++) {
    const v = window[rows[t]! * dim + d]!;
    col[t] = v;
    sum += v;
    sumSq += v * v;
    if (t > 0) delta += Math.abs(v - prev);
    prev = v;
  }
  const mean = sum / n;
  const std = Math.sqrt(Math.max(sumSq / n - mean * mean, 0));
  // Percentiles by selection instead of a full sort (this runs for every dimension of every window
  // on the server's main thread): each order statistic is exact, so the values equal a sort's.
  let from = 0;
  const pct = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    select(col, Math.max(lo, from), from, n - 1);
    from = Math.max(from, lo + 1);
    const a = col[lo]!;
    if (lo + 1 >= n || pos === lo) return a;
    // The (lo+1)-th order statistic is the smallest element right of the selected one.
    let b = col[lo + 1]!;
    for (let i = lo + 2; i < n; i++) if (col[i]! < b) b = col[i]!;
    return a + (b - a) * (pos - lo);
  };
  out[outOffset + d] = mean;
  out[outOffset + dim + d] = std;
  out[outOffset + 2 * dim + d] = pct(0.1);
  out[outOffset + 3 * dim + d] = pct(0.5);
  out[outOffset + 4 * dim + d] = pct(0.9);
  out[outOffset + 5 * dim + d] = n > 1 ? delta / (n - 1) : 0;
}

/**
 * Rearranges `a[left..right]` so that `a[k]` holds the value a sort would put there, with no larger
 * value before it and no smaller one after it (Hoare's selection, median-of-three pivot).
 */
function select(a: Float32Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const m = (l + r) >> 1;
    // Median of three to a[m], then partition around it.
    if (a[m]! < a[l]!) swap(a, m, l);
    if (a[r]! < a[l]!) swap(a, r, l);
    if (a[r]! < a[m]!) swap(a, r, m);
    const pivot = a[m]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
