/**
 * The training loop: session-normalised windows from the feature cache, SpecAugment, class-weighted
 * cross-entropy or focal loss with label smoothing, Adam, learning-rate reduction on plateau, early
 * stopping and a best checkpoint chosen on the validation speakers' clip-level UA. Seeds fix every
 * random choice; progress shows steps, ETA and per-epoch metrics.
 */

import { type StatsOptions, statsSpan, windowStatsSize } from '@emostream/shared/analysis/window-stats';
import * as tf from '@tensorflow/tfjs';
import { Rng, shuffle } from '../augment/rng.ts';
import { specAugment } from '../augment/specaugment.ts';
import {
  bySpeaker,
  normalizeWindow,
  randomSessionStats,
  runningSessionStats,
  type SessionOptions,
} from '../data/sessions.ts';
import { type CachedClip, type WindowCache, windowSpan } from '../data/window-cache.ts';
import { computeMetrics, type Metrics, softmax } from '../eval/metrics.ts';
import { progress } from '../util/progress.ts';
import { type ArchitectureName, buildModel } from './architectures.ts';
import { mixup, mixupPlan, modelInput } from './inputs.ts';

export interface TrainOptions {
  architecture: ArchitectureName;
  width: number;
  dropout: number;
  l2: number;
  batchSize: number;
  maxEpochs: number;
  learningRate: number;
  minLearningRate: number;
  /**
   * `plateau` halves the rate after `lrPatience` epochs without a better validation UA; `cosine`
   * anneals it from `learningRate` to `minLearningRate` over `maxEpochs` (Loshchilov & Hutter 2017).
   */
  schedule: 'plateau' | 'cosine';
  lrPatience: number;
  lrFactor: number;
  earlyStopPatience: number;
  /**
   * `best` keeps the epoch with the best validation UA (and stops early); `last` keeps the final
   * epoch and never stops early, for a recipe whose length was fixed beforehand on validation
   * speakers, so that the validation speakers themselves can be trained on.
   */
  checkpoint: 'best' | 'last';
  loss: 'ce' | 'focal';
  focalGamma: number;
  labelSmoothing: number;
  classWeights: boolean;
  specAugment: { timeMasks: number; maxTimeWidth: number; freqMasks: number; maxFreqWidth: number } | null;
  /**
   * Mixup (Zhang et al. 2018): each example is blended with another of the batch, weight
   * max(l, 1 - l) with l ~ Beta(alpha, alpha) on its own, labels and class weights alike; 0 disables.
   */
  mixupAlpha: number;
  seed: number;
  /** What the window statistics compute (`stats-mlp` only): loudness gate, voiced F0, contour. */
  stats?: StatsOptions;
  /** Stop after this many minutes (the best checkpoint so far is kept). */
  maxMinutes: number;
  quiet: boolean;
}

export const defaultTrainOptions: TrainOptions = {
  architecture: 'vgg2d',
  width: 1,
  dropout: 0.3,
  l2: 1e-4,
  batchSize: 32,
  maxEpochs: 60,
  learningRate: 1e-3,
  minLearningRate: 1e-5,
  schedule: 'plateau',
  lrPatience: 4,
  lrFactor: 0.5,
  earlyStopPatience: 10,
  checkpoint: 'best',
  loss: 'ce',
  focalGamma: 2,
  labelSmoothing: 0.05,
  classWeights: true,
  specAugment: { timeMasks: 2, maxTimeWidth: 30, freqMasks: 2, maxFreqWidth: 8 },
  mixupAlpha: 0,
  seed: 1,
  maxMinutes: 80,
  quiet: false,
};

/** One labelled example: a window of a cached clip. */
interface Example {
  cache: WindowCache;
  clip: CachedClip;
  window: number;
  label: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  valUa: number;
  lr: number;
  seconds: number;
}

export interface TrainResult {
  model: tf.LayersModel;
  history: EpochRecord[];
  /** The epoch whose weights were kept: the best on validation, or the last (`checkpoint: last`). */
  bestEpoch: number;
  valMetrics: Metrics;
  /** Validation clip logits (mean of window logits) and labels, for temperature scaling. */
  valLogits: number[][];
  valTruth: number[];
  stoppedBy: 'max-epochs' | 'early-stop' | 'time-budget';
}

export interface TrainData {
  classes: string[];
  /** Maps a canonical label to a class index, or -1 when the label set leaves it out. */
  labelIndex: (label: string) => number;
  /** Training caches: each clip appears once per variant; an epoch draws one variant per clip. */
  train: WindowCache[];
  val: WindowCache;
  session: SessionOptions;
}

function examplesOf(cache: WindowCache, labelIndex: (l: string) => number): Example[] {
  const out: Example[] = [];
  for (const clip of cache.clips) {
    const label = labelIndex(clip.label);
    if (label < 0) continue;
    for (let w = 0; w < clip.windows; w++) out.push({ cache, clip, window: clip.firstWindow + w, label });
  }
  return out;
}

/** Sum of the kernel regularisers' penalties (tfjs-layers keeps them as functions on each layer). */
function regularizationLoss(model: tf.LayersModel): tf.Scalar {
  const terms: tf.Scalar[] = [];
  for (const layer of model.layers) {
    for (const fn of layer.losses as unknown as Array<() => tf.Scalar>)
      terms.push(typeof fn === 'function' ? fn() : (fn as tf.Scalar));
  }
  return terms.length ? (tf.addN(terms) as tf.Scalar) : tf.scalar(0);
}

/** Mean window logits per clip of the validation cache, with running-session normalisation. */
export function clipLogits(
  model: tf.LayersModel,
  cache: WindowCache,
  data: Pick<TrainData, 'labelIndex' | 'session'>,
  seed: number,
  arch: ArchitectureName = 'vgg2d',
  statsOptions: StatsOptions = {},
): { logits: number[][]; truth: number[]; clips: CachedClip[] } {
  const { dim, windowFrames: W } = cache;
  const clips = cache.clips.filter((c) => data.labelIndex(c.label) >= 0 && c.windows > 0);
  const stats = runningSessionStats(clips, dim, new Rng(seed));
  const logits: number[][] = [];
  const truth: number[] = [];
  const batch = 64;
  const pending: Array<{ clip: number }> = [];
  const buf = new Float32Array(batch * W * dim);
  const pads = new Int16Array(2 * batch);
  const sums = clips.map(() => [] as number[][]);
  const flush = () => {
    if (pending.length === 0) return;
    const out = tf.tidy(() => {
      const x = modelInput(arch, buf, pending.length, W, dim, pads, statsOptions);
      return (model.predict(x) as tf.Tensor).arraySync() as number[][];
    });
    for (const [i, row] of out.entries()) sums[pending[i]!.clip]!.push(row);
    pending.length = 0;
  };
  clips.forEach((clip, ci) => {
    for (let w = 0; w < clip.windows; w++) {
      normalizeWindow(
        cache,
        clip.firstWindow + w,
        stats.get(clip)!,
        data.session,
        buf,
        pending.length * W * dim,
      );
      const span = statsSpan(windowSpan(cache, clip.firstWindow + w), statsOptions);
      pads[2 * pending.length] = span.skipStart;
      pads[2 * pending.length + 1] = span.skipEnd;
      pending.push({ clip: ci });
      if (pending.length === batch) flush();
    }
  });
  flush();
  clips.forEach((clip, ci) => {
    const rows = sums[ci]!;
    const mean = rows[0]!.map((_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length);
    logits.push(mean);
    truth.push(data.labelIndex(clip.label));
  });
  return { logits, truth, clips };
}

/**
 * Runs `fn` with `Math.random` replaced by a seeded generator. tfjs seeds every unseeded random op
 * (dropout masks) from `Math.random()`, so this makes training reproducible without freezing the
 * masks, which a per-layer seed would do.
 */
async function seededRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const rng = new Rng(`math-random:${seed}`);
  Math.random = () => rng.next();
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Trains a model; see the module comment. */
export async function train(data: TrainData, options: Partial<TrainOptions> = {}): Promise<TrainResult> {
  const o: TrainOptions = { ...defaultTrainOptions, ...options };
  return seededRandom(o.seed, () => trainSeeded(data, o));
}

async function trainSeeded(data: TrainData, o: TrainOptions): Promise<TrainResult> {
  const rng = new Rng(o.seed);
  const k = data.classes.length;
  const first = data.train[0];
  if (!first) throw new Error('train: no training data');
  const { dim, windowFrames: W } = first;
  // Examples of the first variant define the epoch; other variants replace them at random.
  const perVariant = data.train.map((c) => examplesOf(c, data.labelIndex));
  const base = perVariant[0]!;
  const keyOf = (e: Example) => `${e.clip.path}#${e.window - e.clip.firstWindow}`;
  const variantIndex = perVariant.map((list) => new Map(list.map((e) => [keyOf(e), e])));
  if (base.length === 0) throw new Error('train: no labelled training windows');
  const speakers = data.train.map((c) => bySpeaker(c.clips));
  const counts = new Array<number>(k).fill(0);
  for (const e of base) counts[e.label]!++;
  const weights = counts.map((c) => (o.classWeights && c > 0 ? base.length / (k * c) : 1));

  const model = buildModel(o.architecture, {
    frames: W,
    dim,
    classes: k,
    width: o.width,
    dropout: o.dropout,
    l2: o.l2,
    seed: o.seed,
    statsSize: windowStatsSize(dim, o.stats),
  });
  let lr = o.learningRate;
  const optimizer = tf.train.adam(lr);
  const history: EpochRecord[] = [];
  let best = { ua: -1, epoch: 0, weights: [] as tf.Tensor[] };
  let sinceBest = 0;
  let sinceLrCut = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'max-epochs';
  const started = Date.now();
  const stepsPerEpoch = Math.ceil(base.length / o.batchSize);
  const bar = progress('train', o.maxEpochs * stepsPerEpoch, { quiet: o.quiet });
  const xBuf = new Float32Array(o.batchSize * W * dim);
  const yBuf = new Float32Array(o.batchSize * k);
  const wBuf = new Float32Array(o.batchSize);
  const pBuf = new Int16Array(2 * o.batchSize);

  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    const t0 = Date.now();
    if (o.schedule === 'cosine') {
      lr =
        o.minLearningRate +
        0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos((Math.PI * (epoch - 1)) / o.maxEpochs));
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
    }
    const order = base.map((_, i) => i);
    shuffle(order, rng);
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    for (let s = 0; s < order.length; s += o.batchSize) {
      const idx = order.slice(s, s + o.batchSize);
      const n = idx.length;
      yBuf.fill(0);
      idx.forEach((ei, b) => {
        const v = rng.int(0, perVariant.length - 1);
        // The same clip in another variant; fall back to the clean window if that variant lost it.
        const ex0 = base[ei]!;
        const alt = variantIndex[v]!.get(keyOf(ex0));
        const ex = alt ?? ex0;
        const vi = alt ? v : 0;
        const stats = randomSessionStats(ex.clip, speakers[vi]!.get(ex.clip.speaker)!, dim, rng);
        normalizeWindow(ex.cache, ex.window, stats, data.session, xBuf, b * W * dim);
        const span = statsSpan(windowSpan(ex.cache, ex.window), o.stats);
        pBuf[2 * b] = span.skipStart;
        pBuf[2 * b + 1] = span.skipEnd;
        if (o.specAugment) {
          specAugment(xBuf.subarray(b * W * dim, (b + 1) * W * dim), W, dim, rng, {
            ...o.specAugment,
            fill: 0,
          });
        }
        const smooth = o.labelSmoothing;
        for (let c = 0; c < k; c++) yBuf[b * k + c] = smooth / k;
        yBuf[b * k + ex.label]! += 1 - smooth;
        wBuf[b] = weights[ex.label]!;
      });
      const mix = o.mixupAlpha > 0 && n > 1 ? mixupPlan(n, o.mixupAlpha, rng) : null;
      const { loss, acc } = tf.tidy(() => {
        let x = modelInput(o.architecture, xBuf, n, W, dim, pBuf, o.stats);
        let y: tf.Tensor = tf.tensor2d(yBuf.subarray(0, n * k), [n, k]);
        let sw: tf.Tensor = tf.tensor1d(wBuf.subarray(0, n));
        if (mix) {
          x = mixup(x, mix);
          y = mixup(y, mix);
          sw = mixup(sw, mix);
        }
        let accT: tf.Scalar = tf.scalar(0);
        const lossT = optimizer.minimize(() => {
          const logits = model.apply(x, { training: true }) as tf.Tensor2D;
          const logp = tf.logSoftmax(logits);
          let perEx = tf.neg(tf.sum(tf.mul(y, logp), 1));
          if (o.loss === 'focal') {
            const pt = tf.exp(tf.neg(perEx));
            perEx = tf.mul(tf.pow(tf.sub(1, pt), o.focalGamma), perEx);
          }
          accT = tf.keep(tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')));
          const reg = regularizationLoss(model);
          return tf.add(tf.div(tf.sum(tf.mul(perEx, sw)), tf.sum(sw)), reg) as tf.Scalar;
        }, true) as tf.Scalar;
        return { loss: lossT.dataSync()[0]!, acc: accT.dataSync()[0]! };
      });
      lossSum += loss * n;
      accSum += acc * n;
      seen += n;
      bar.tick(1, { epoch, loss: lossSum / seen, acc: accSum / seen });
    }
    const val = clipLogits(model, data.val, data, o.seed, o.architecture, o.stats);
    const probs = val.logits.map((l) => softmax(l));
    const m = computeMetrics(probs, val.truth, data.classes);
    const rec: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      acc: accSum / seen,
      valLoss: m.nll,
      valAcc: m.wa,
      valUa: m.ua,
      lr,
      seconds: (Date.now() - t0) / 1000,
    };
    history.push(rec);
    if (!o.quiet) {
      process.stderr.write(
        `epoch ${epoch}: loss ${rec.loss.toFixed(4)} acc ${rec.acc.toFixed(3)} | val loss ${rec.valLoss.toFixed(4)} ` +
          `acc ${rec.valAcc.toFixed(3)} UA ${rec.valUa.toFixed(3)} | lr ${lr.toExponential(1)} | ${rec.seconds.toFixed(0)} s\n`,
      );
    }
    if (m.ua > best.ua) {
      for (const t of best.weights) t.dispose();
      best = { ua: m.ua, epoch, weights: model.getWeights().map((t) => t.clone()) };
      sinceBest = 0;
      sinceLrCut = 0;
    } else {
      sinceBest++;
      sinceLrCut++;
      if (o.schedule === 'plateau' && sinceLrCut >= o.lrPatience && lr > o.minLearningRate) {
        lr = Math.max(o.minLearningRate, lr * o.lrFactor);
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        sinceLrCut = 0;
      }
    }
    if (o.checkpoint === 'best' && sinceBest >= o.earlyStopPatience) {
      stoppedBy = 'early-stop';
      break;
    }
    const elapsedMin = (Date.now() - started) / 60000;
    const perEpoch = elapsedMin / epoch;
    if (elapsedMin + perEpoch > o.maxMinutes) {
      stoppedBy = 'time-budget';
      break;
    }
  }
  bar.stop();
  if (o.checkpoint === 'best') model.setWeights(best.weights);
  for (const t of best.weights) t.dispose();
  const val = clipLogits(model, data.val, data, o.seed, o.architecture, o.stats);
  const valMetrics = computeMetrics(
    val.logits.map((l) => softmax(l)),
    val.truth,
    data.classes,
  );
  return {
    model,
    history,
    bestEpoch: o.checkpoint === 'best' ? best.epoch : history.length,
    valMetrics,
    valLogits: val.logits,
    valTruth: val.truth,
    stoppedBy,
  };
}
