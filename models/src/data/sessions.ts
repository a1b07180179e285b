/**
 * Session normalisation for training and validation. The server normalises each window with the
 * statistics of the speech its stream (or session) has heard so far, blended with a prior. Training
 * reproduces that: a window of clip c by speaker s is normalised with the prior plus the statistics of
 * clip c and of a random subset of s's other clips (from nothing, a cold stream, to everything, a
 * long call), so the model learns to work at every point of a call.
 */
import { StreamNormalizer } from '@emostream/shared/analysis/normalizer';
import { type Rng, shuffle } from '../augment/rng.ts';
import type { CachedClip, WindowCache } from './window-cache.ts';

/** Per-dimension prior from the speech statistics of a set of clips (the training set). */
export function priorFromClips(
  clips: readonly CachedClip[],
  dim: number,
): { priorMean: number[]; priorStd: number[] } {
  const { frames: n, sum, sumSq } = sumStats(clips, dim);
  if (n === 0) throw new Error('prior: no speech frames in the training clips');
  const priorMean = Array.from(sum, (s) => s / n);
  const priorStd = Array.from(sumSq, (s, i) => Math.sqrt(Math.max(s / n - priorMean[i]! ** 2, 1e-12)));
  return { priorMean, priorStd };
}

export interface SessionOptions {
  priorMean: number[];
  priorStd: number[];
  priorFrames: number;
  padValue: number;
}

/** Normalises window `w` of the cache into `out` with the given accumulated statistics. */
export function normalizeWindow(
  cache: WindowCache,
  w: number,
  stats: { frames: number; sum: Float64Array; sumSq: Float64Array },
  o: SessionOptions,
  out: Float32Array,
  outOffset = 0,
): void {
  const { dim, windowFrames: W } = cache;
  const norm = new StreamNormalizer({
    dim,
    priorMean: o.priorMean,
    priorStd: o.priorStd,
    priorFrames: o.priorFrames,
  });
  norm.restore({ frames: stats.frames, sum: Array.from(stats.sum), sumSq: Array.from(stats.sumSq) });
  const ps = cache.padStart[w]!;
  const pe = cache.padEnd[w]!;
  const src = w * W * dim;
  out.fill(o.padValue, outOffset, outOffset + ps * dim);
  norm.apply(cache.data, W - ps - pe, out, src + ps * dim, dim, outOffset + ps * dim);
  out.fill(o.padValue, outOffset + (W - pe) * dim, outOffset + W * dim);
}

/** Sums the statistics of a list of clips. */
export function sumStats(clips: readonly CachedClip[], dim: number) {
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  let frames = 0;
  for (const c of clips) {
    frames += c.statsFrames;
    for (let i = 0; i < dim; i++) {
      sum[i]! += c.statsSum[i]!;
      sumSq[i]! += c.statsSumSq[i]!;
    }
  }
  return { frames, sum, sumSq };
}

/** Groups clips by speaker. */
export function bySpeaker<T extends { speaker: string }>(clips: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const c of clips) {
    const list = m.get(c.speaker);
    if (list) list.push(c);
    else m.set(c.speaker, [c]);
  }
  return m;
}

/**
 * Training statistics for a clip: its own plus a random fraction of its speaker's other clips (the
 * fraction is uniform in [0, 1], so cold streams and long sessions are both represented).
 */
export function randomSessionStats(
  clip: CachedClip,
  speakerClips: readonly CachedClip[],
  dim: number,
  rng: Rng,
) {
  const others = speakerClips.filter((c) => c !== clip);
  const keep = rng.uniform(0, 1);
  const chosen = [clip, ...others.filter(() => rng.uniform(0, 1) < keep)];
  return sumStats(chosen, dim);
}

/**
 * Evaluation-style statistics: the speaker's clips in a fixed shuffled order form one session and
 * each clip sees the clips before it plus itself, as a stream that has heard them would.
 */
export function runningSessionStats(
  clips: readonly CachedClip[],
  dim: number,
  rng: Rng,
): Map<CachedClip, ReturnType<typeof sumStats>> {
  const out = new Map<CachedClip, ReturnType<typeof sumStats>>();
  for (const list of bySpeaker(clips).values()) {
    const order = [...list];
    shuffle(order, rng);
    for (let i = 0; i < order.length; i++) out.set(order[i]!, sumStats(order.slice(0, i + 1), dim));
  }
  return out;
}
