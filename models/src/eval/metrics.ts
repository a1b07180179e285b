/**
 * Classification metrics for emotion recognition. `ua` (unweighted accuracy, the mean of per-class
 * recalls) is the headline figure because the corpora are imbalanced; `wa` is plain accuracy.
 * Classes without any true example are left out of the averages (a corpus that lacks a class must
 * not score 0 recall on it), but predictions into them still count as errors.
 */
import { calibratedProbs } from '@emostream/shared/model/postprocess';
import { Rng } from '../augment/rng.ts';

export interface ClassMetrics {
  support: number;
  predicted: number;
  recall: number;
  precision: number;
  f1: number;
}

export interface Metrics {
  n: number;
  ua: number;
  wa: number;
  macroF1: number;
  ece: number;
  nll: number;
  classes: string[];
  /** Classes with at least one true example: the averages run over these. */
  presentClasses: string[];
  perClass: Record<string, ClassMetrics>;
  /** `confusion[true][predicted]` counts, in `classes` order. */
  confusion: number[][];
  reliability: ReliabilityBin[];
  /** How far the figures could move by chance at this sample size (see {@link samplingUncertainty}). */
  uncertainty?: SamplingUncertainty;
}

/**
 * Sampling noise of UA and ECE. A test set of a hundred clips moves UA by several points and ECE by
 * several hundredths by chance alone, so a comparison with a bar or another model needs these.
 */
export interface SamplingUncertainty {
  /** 95% interval of UA over stratified bootstrap resamples (clips resampled within each true class). */
  uaCi95: [number, number];
  /**
   * ECE that a perfectly calibrated model with these confidences would show on this many clips:
   * each clip's top prediction is right with probability equal to its confidence. ECE is biased
   * upwards on small sets, so an observed ECE within this range is not evidence of miscalibration.
   */
  eceIfCalibrated: { mean: number; p95: number };
  /** Share of those calibrated draws whose ECE is at least the observed one (a one-sided p-value). */
  eceP: number;
  /**
   * 95% interval of UA when the speakers are resampled (each draw takes as many speakers as the set
   * has, with replacement, and all their clips): a test set of a few speakers is a sample of speakers
   * as much as of clips, and speakers differ far more than clips of one speaker do. Present when the
   * clips' speakers were given and there are at least three.
   */
  uaCi95BySpeaker?: [number, number];
  /** Distinct speakers behind {@link uaCi95BySpeaker}. */
  speakers?: number;
  draws: number;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  confidenceMean: number;
  accuracy: number;
}

/** Metrics of probability rows `probs` (n x classes) against true class indices. */
export function computeMetrics(
  probs: ArrayLike<number>[],
  truth: readonly number[],
  classes: readonly string[],
  bins = 10,
): Metrics {
  const k = classes.length;
  const n = truth.length;
  if (probs.length !== n) throw new Error(`metrics: ${probs.length} predictions for ${n} labels`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const topConfidence = new Float64Array(n);
  const topCorrect = new Array<boolean>(n);
  let correct = 0;
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    const t = truth[i]!;
    if (!(t >= 0 && t < k)) throw new Error(`metrics: label ${t} out of range`);
    let best = 0;
    for (let j = 1; j < k; j++) if (p[j]! > p[best]!) best = j;
    confusion[t]![best]!++;
    if (best === t) correct++;
    nll -= Math.log(Math.max(p[t]!, 1e-12));
    topConfidence[i] = p[best]!;
    topCorrect[i] = best === t;
  }
  const perClass: Record<string, ClassMetrics> = {};
  const present: string[] = [];
  let recallSum = 0;
  let f1Sum = 0;
  for (let c = 0; c < k; c++) {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const tp = confusion[c]![c]!;
    const recall = support > 0 ? tp / support : 0;
    const precision = predicted > 0 ? tp / predicted : 0;
    const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    perClass[classes[c]!] = { support, predicted, recall, precision, f1 };
    if (support > 0) {
      present.push(classes[c]!);
      recallSum += recall;
      f1Sum += f1;
    }
  }
  const cal = calibrationBins(topConfidence, topCorrect, bins);
  let ece = 0;
  const reliability: ReliabilityBin[] = Array.from(cal.count, (count, b) => {
    const confidenceMean = count ? cal.conf[b]! / count : 0;
    const accuracy = count ? cal.hit[b]! / count : 0;
    ece += n > 0 ? (count / n) * Math.abs(accuracy - confidenceMean) : 0;
    return { lo: b / bins, hi: (b + 1) / bins, count, confidenceMean, accuracy };
  });
  return {
    n,
    ua: present.length ? recallSum / present.length : 0,
    wa: n ? correct / n : 0,
    macroF1: present.length ? f1Sum / present.length : 0,
    ece,
    nll: n ? nll / n : 0,
    classes: [...classes],
    presentClasses: present,
    perClass,
    confusion,
    reliability,
  };
}

/** Per equal-width confidence bin: how many predictions, their summed confidence, how many right. */
function calibrationBins(confidence: ArrayLike<number>, correct: ArrayLike<boolean>, bins: number) {
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const hit = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const b = Math.min(bins - 1, Math.floor(confidence[i]! * bins));
    count[b]!++;
    conf[b]! += confidence[i]!;
    if (correct[i]) hit[b]!++;
  }
  return { count, conf, hit };
}

/** Expected calibration error of top-class confidences against correctness, equal-width bins. */
export function expectedCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  bins = 10,
): number {
  const n = confidence.length;
  const { count, conf, hit } = calibrationBins(confidence, correct, bins);
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(hit[b]! - conf[b]!) / n;
  return ece;
}

/**
 * {@link SamplingUncertainty} of the metrics of `probs` against `truth`, from `draws` seeded
 * resamples (the same inputs always give the same figures).
 */
export function samplingUncertainty(
  probs: ArrayLike<number>[],
  truth: readonly number[],
  classes: readonly string[],
  o: {
    draws?: number;
    seed?: number | string;
    bins?: number;
    /** Each clip's speaker: adds the speaker-resampled UA interval. */
    speakers?: readonly string[];
  } = {},
): SamplingUncertainty {
  const draws = o.draws ?? 2000;
  const bins = o.bins ?? 10;
  const n = truth.length;
  const k = classes.length;
  const predicted = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    let best = 0;
    for (let j = 1; j < k; j++) if (p[j]! > p[best]!) best = j;
    predicted[i] = best;
    confidence[i] = p[best]!;
  }
  const byClass = Array.from({ length: k }, () => [] as number[]);
  for (let i = 0; i < n; i++) byClass[truth[i]!]!.push(i);
  const present = byClass.filter((idx) => idx.length > 0);
  const rng = new Rng(o.seed ?? 'sampling-uncertainty');
  const uas = new Float64Array(draws);
  for (let d = 0; d < draws; d++) {
    let recall = 0;
    for (const idx of present) {
      let hit = 0;
      for (let j = 0; j < idx.length; j++) {
        const i = idx[Math.floor(rng.next() * idx.length)]!;
        if (predicted[i] === truth[i]) hit++;
      }
      recall += hit / idx.length;
    }
    uas[d] = present.length ? recall / present.length : 0;
  }
  const observed = expectedCalibrationError(
    confidence,
    Array.from(predicted, (p, i) => p === truth[i]),
    bins,
  );
  const eces = new Float64Array(draws);
  const correct = new Array<boolean>(n);
  let atLeast = 0;
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) correct[i] = rng.next() < confidence[i]!;
    eces[d] = expectedCalibrationError(confidence, correct, bins);
    if (eces[d]! >= observed - 1e-12) atLeast++;
  }
  uas.sort();
  eces.sort();
  const q = (a: Float64Array, p: number) =>
    a[Math.min(a.length - 1, Math.max(0, Math.round(p * (a.length - 1))))]!;
  const bySpeaker = o.speakers ? speakerResampledUa(o.speakers, predicted, truth, k, draws, rng) : null;
  return {
    uaCi95: [q(uas, 0.025), q(uas, 0.975)],
    eceIfCalibrated: { mean: eces.reduce((a, b) => a + b, 0) / draws, p95: q(eces, 0.95) },
    eceP: atLeast / draws,
    ...(bySpeaker
      ? { uaCi95BySpeaker: [q(bySpeaker.uas, 0.025), q(bySpeaker.uas, 0.975)], speakers: bySpeaker.speakers }
      : {}),
    draws,
  };
}

/** Sorted UA of `draws` speaker resamples, or null with fewer than three speakers. */
function speakerResampledUa(
  speakers: readonly string[],
  predicted: Int32Array,
  truth: readonly number[],
  k: number,
  draws: number,
  rng: Rng,
): { uas: Float64Array; speakers: number } | null {
  if (speakers.length !== truth.length) throw new RangeError('one speaker per clip');
  const clipsOf = new Map<string, number[]>();
  for (let i = 0; i < speakers.length; i++) {
    const list = clipsOf.get(speakers[i]!) ?? [];
    list.push(i);
    clipsOf.set(speakers[i]!, list);
  }
  const groups = [...clipsOf.keys()].sort().map((s) => clipsOf.get(s)!);
  if (groups.length < 3) return null;
  const uas = new Float64Array(draws);
  const support = new Float64Array(k);
  const hits = new Float64Array(k);
  for (let d = 0; d < draws; d++) {
    support.fill(0);
    hits.fill(0);
    for (let g = 0; g < groups.length; g++) {
      for (const i of groups[Math.floor(rng.next() * groups.length)]!) {
        support[truth[i]!]!++;
        if (predicted[i] === truth[i]) hits[truth[i]!]!++;
      }
    }
    let recall = 0;
    let present = 0;
    for (let c = 0; c < k; c++)
      if (support[c]! > 0) {
        recall += hits[c]! / support[c]!;
        present++;
      }
    uas[d] = present ? recall / present : 0;
  }
  return { uas: uas.sort(), speakers: groups.length };
}

/** Softmax of `logits / temperature` (the pipeline's own calibrated softmax). */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  return Float64Array.from(calibratedProbs(logits, temperature));
}

/**
 * A clip's probabilities at a temperature as the server decides a clip (`analyzeSamples`, and so
 * `evaluate` and the summaries): the mean of its windows' calibrated probabilities.
 */
export function clipProbs(windows: readonly ArrayLike<number>[], temperature: number): Float64Array {
  if (windows.length === 0) throw new RangeError('clipProbs: a clip needs at least one window');
  const out = new Float64Array(windows[0]!.length);
  for (const w of windows) {
    const p = calibratedProbs(w, temperature);
    for (let j = 0; j < out.length; j++) out[j]! += p[j]! / windows.length;
  }
  return out;
}

/**
 * {@link fitTemperature} for clips of several windows: the T minimising the (weighted) NLL of the clip
 * probabilities the server computes ({@link clipProbs}), which is what `evaluate` scores. A fit on each
 * clip's mean window logits instead optimises another quantity (they agree on one-window clips only;
 * session 17 in `models/experiments/README.md`). On one-window clips this equals `fitTemperature`.
 */
export function fitClipTemperature(
  clips: readonly (readonly ArrayLike<number>[])[],
  truth: readonly number[],
  weights?: readonly number[],
): number {
  const nllAt = (t: number) => {
    let s = 0;
    for (let i = 0; i < clips.length; i++) {
      const nll = Math.log(Math.max(clipProbs(clips[i]!, t)[truth[i]!]!, 1e-12));
      s -= weights === undefined ? nll : weights[i]! * nll;
    }
    return s;
  };
  // Searched in log T, over 0.05-20.
  return Math.exp(goldenSectionMin((logT) => nllAt(Math.exp(logT)), Math.log(0.05), Math.log(20), 60));
}

/**
 * Temperature scaling (Guo et al. 2017): the single T > 0 minimising the negative log-likelihood of
 * the validation labels, found by golden-section search on log T. `weights` (one per clip) weigh each
 * clip's term, e.g. 1/N for each of N draws of a random channel, so that drawing more often measures
 * a channel better without making it count more.
 */
export function fitTemperature(
  logits: ArrayLike<number>[],
  truth: readonly number[],
  weights?: readonly number[],
): number {
  // Each logit row is a clip of one window (the same probabilities, bit for bit).
  return fitClipTemperature(
    logits.map((l) => [l]),
    truth,
    weights,
  );
}

/**
 * The minimiser of a unimodal `f` on [a, b] by golden-section search: the midpoint of the bracket
 * left after `iterations` steps, one evaluation per step.
 */
export function goldenSectionMin(
  f: (x: number) => number,
  a0: number,
  b0: number,
  iterations: number,
): number {
  let a = a0;
  let b = b0;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}
