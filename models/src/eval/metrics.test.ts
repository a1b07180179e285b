import { describe, expect, it } from 'vitest';
import { Rng } from '../augment/rng.ts';
import {
  clipProbs,
  computeMetrics,
  expectedCalibrationError,
  fitClipTemperature,
  fitTemperature,
  samplingUncertainty,
  softmax,
} from './metrics.ts';

/** Five clips' logits over three classes and their labels (shared by the temperature tests). */
const FIVE_CLIPS = {
  logits: [
    [3, 0, 0],
    [0, 2, 1],
    [1, 0, 4],
    [2, 2, 0],
    [0, 5, 1],
  ],
  truth: [0, 2, 2, 1, 1],
};

describe('computeMetrics', () => {
  const classes = ['a', 'b', 'c'];
  it('computes UA, WA, macro-F1 and the confusion matrix by hand-checked example', () => {
    // truth a a a b c c ; predicted a a b b c a
    const p = (j: number) => [0, 1, 2].map((c) => (c === j ? 0.8 : 0.1));
    const m = computeMetrics([p(0), p(0), p(1), p(1), p(2), p(0)], [0, 0, 0, 1, 2, 2], classes);
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(m.wa).toBeCloseTo(4 / 6, 12);
    expect(m.ua).toBeCloseTo((2 / 3 + 1 + 1 / 2) / 3, 12);
    const f1a = (2 * (2 / 3) * (2 / 3)) / (4 / 3);
    const f1b = (2 * 1 * 0.5) / 1.5;
    const f1c = (2 * 0.5 * 1) / 1.5;
    expect(m.macroF1).toBeCloseTo((f1a + f1b + f1c) / 3, 12);
    // All confidences are 0.8 in one bin with accuracy 4/6.
    expect(m.ece).toBeCloseTo(Math.abs(0.8 - 4 / 6), 12);
  });

  it('leaves classes without true examples out of the averages but counts predictions into them', () => {
    const m = computeMetrics(
      [
        [0.1, 0.2, 0.7],
        [0.9, 0.05, 0.05],
      ],
      [0, 0],
      classes,
    );
    expect(m.presentClasses).toEqual(['a']);
    expect(m.ua).toBeCloseTo(0.5, 12);
    expect(m.perClass.c!.predicted).toBe(1);
  });
});

describe('temperature scaling', () => {
  it('recovers the temperature that generated over-confident logits', () => {
    // Labels drawn from softmax(z / 2.5): the NLL-optimal temperature for logits z is ~2.5.
    let s = 7;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const logits: number[][] = [];
    const truth: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const z = [0, 1, 2].map(() => (rnd() - 0.5) * 12);
      const p = softmax(z, 2.5);
      const u = rnd();
      truth.push(u < p[0]! ? 0 : u < p[0]! + p[1]! ? 1 : 2);
      logits.push(z);
    }
    expect(fitTemperature(logits, truth)).toBeCloseTo(2.5, 0);
  });

  it('weighs clips: two copies at 1/2 fit as one copy, weight 1 changes nothing', () => {
    const { logits, truth } = FIVE_CLIPS;
    const t = fitTemperature(logits, truth);
    expect(fitTemperature(logits, truth, [1, 1, 1, 1, 1])).toBe(t);
    expect(fitTemperature([...logits, ...logits], [...truth, ...truth], new Array(10).fill(0.5))).toBeCloseTo(
      t,
      6,
    );
    // A clip weighed more pulls the fit its way: an over-confident miss raises the temperature.
    expect(fitTemperature(logits, truth, [1, 1, 1, 1, 5])).not.toBeCloseTo(t, 3);
    expect(fitTemperature([...logits, [6, 0, 0]], [...truth, 1], [1, 1, 1, 1, 1, 3])).toBeGreaterThan(
      fitTemperature([...logits, [6, 0, 0]], [...truth, 1], [1, 1, 1, 1, 1, 1]),
    );
  });
});

describe('clip temperature (the clip probabilities evaluate scores)', () => {
  it("clipProbs is the mean of the windows' softmax at the temperature", () => {
    const w = [
      [2, 0, -1],
      [-1, 3, 0],
    ];
    const a = softmax(w[0]!, 0.7);
    const b = softmax(w[1]!, 0.7);
    const p = clipProbs(w, 0.7);
    for (let j = 0; j < 3; j++) expect(p[j]).toBeCloseTo((a[j]! + b[j]!) / 2, 15);
    expect(Array.from(clipProbs([w[0]!], 0.7))).toEqual(Array.from(a));
    expect(() => clipProbs([], 1)).toThrow(RangeError);
  });

  it('on one-window clips equals fitTemperature bit for bit', () => {
    const { logits, truth } = FIVE_CLIPS;
    const w = [1, 0.5, 1, 2, 1];
    expect(
      fitClipTemperature(
        logits.map((l) => [l]),
        truth,
      ),
    ).toBe(fitTemperature(logits, truth));
    expect(
      fitClipTemperature(
        logits.map((l) => [l]),
        truth,
        w,
      ),
    ).toBe(fitTemperature(logits, truth, w));
  });

  it('minimises the NLL of the mean window probabilities, which a fit on mean logits does not', () => {
    // Clips of three windows that disagree, labels drawn from the windows' mean probabilities at T 1.5.
    const rng = new Rng('clip-temperature');
    const clips: number[][][] = [];
    const truth: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = Array.from({ length: 3 }, () => [0, 1, 2].map(() => rng.normal() * 4));
      const p = clipProbs(c, 1.5);
      const u = rng.next();
      clips.push(c);
      truth.push(u < p[0]! ? 0 : u < p[0]! + p[1]! ? 1 : 2);
    }
    const nll = (t: number) =>
      clips.reduce((s, c, i) => s - Math.log(clipProbs(c, t)[truth[i]!]!), 0) / clips.length;
    const t = fitClipTemperature(clips, truth);
    expect(t).toBeGreaterThan(1.3);
    expect(t).toBeLessThan(1.7);
    expect(nll(t)).toBeLessThan(nll(t * 1.02));
    expect(nll(t)).toBeLessThan(nll(t / 1.02));
    const meanLogits = clips.map((c) => [0, 1, 2].map((j) => c.reduce((s, w) => s + w[j]!, 0) / c.length));
    const tLogits = fitTemperature(meanLogits, truth);
    expect(Math.abs(tLogits - t) / t).toBeGreaterThan(0.05);
    expect(nll(t)).toBeLessThan(nll(tLogits));
  });
});

describe('sampling uncertainty', () => {
  const classes = ['a', 'b', 'c'];
  /** n clips over three classes whose top class has confidence `conf` and is right with probability `acc`. */
  function synthetic(n: number, conf: (i: number) => number, acc: (c: number) => number, seed: number) {
    const rng = new Rng(seed);
    const probs: number[][] = [];
    const truth: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = i % 3;
      const c = conf(i);
      const top = rng.next() < acc(c) ? t : (t + 1 + rng.int(0, 1)) % 3;
      probs.push([0, 1, 2].map((j) => (j === top ? c : (1 - c) / 2)));
      truth.push(t);
    }
    return { probs, truth };
  }

  it('ECE helper agrees with computeMetrics', () => {
    const { probs, truth } = synthetic(
      300,
      (i) => 0.4 + (0.55 * ((i * 7919) % 100)) / 100,
      (c) => c,
      1,
    );
    const m = computeMetrics(probs, truth, classes);
    const conf = probs.map((p) => Math.max(...p));
    const correct = probs.map((p, i) => p.indexOf(Math.max(...p)) === truth[i]);
    expect(expectedCalibrationError(conf, correct)).toBeCloseTo(m.ece, 12);
  });

  it('is deterministic and brackets the observed UA', () => {
    const { probs, truth } = synthetic(
      150,
      () => 0.7,
      () => 0.7,
      2,
    );
    const a = samplingUncertainty(probs, truth, classes);
    expect(samplingUncertainty(probs, truth, classes)).toEqual(a);
    const ua = computeMetrics(probs, truth, classes).ua;
    expect(a.uaCi95[0]).toBeLessThan(ua);
    expect(a.uaCi95[1]).toBeGreaterThan(ua);
  });

  it('narrows with more clips: the interval at 1600 clips is under half as wide as at 100', () => {
    const width = (n: number) => {
      const { probs, truth } = synthetic(
        n,
        () => 0.6,
        () => 0.6,
        3,
      );
      const u = samplingUncertainty(probs, truth, classes);
      return u.uaCi95[1] - u.uaCi95[0];
    };
    expect(width(1600)).toBeLessThan(width(100) / 2);
  });

  it('widens the UA interval when speakers, not clips, differ', () => {
    // Six speakers of 60 clips: three right on 85% of their clips, three on 45%.
    const n = 360;
    const good = synthetic(
      n,
      () => 0.6,
      () => 0.85,
      6,
    );
    const poor = synthetic(
      n,
      () => 0.6,
      () => 0.45,
      7,
    );
    const half = (i: number) => Math.floor(i / 60) % 2 === 0;
    const probs = good.probs.map((p, i) => (half(i) ? p : poor.probs[i]!));
    const truth = good.truth;
    const speakers = Array.from({ length: n }, (_, i) => `s${Math.floor(i / 60)}`);
    const u = samplingUncertainty(probs, truth, classes, { speakers });
    expect(u.speakers).toBe(6);
    const [lo, hi] = u.uaCi95BySpeaker!;
    expect(hi - lo).toBeGreaterThan(1.5 * (u.uaCi95[1] - u.uaCi95[0]));
    const ua = computeMetrics(probs, truth, classes).ua;
    expect(lo).toBeLessThan(ua);
    expect(hi).toBeGreaterThan(ua);
    // The clip interval and the rest do not change when speakers are given.
    const plain = samplingUncertainty(probs, truth, classes);
    expect(u.uaCi95).toEqual(plain.uaCi95);
    expect(u.eceIfCalibrated).toEqual(plain.eceIfCalibrated);
    // Two speakers are too few to resample.
    const two = samplingUncertainty(probs, truth, classes, {
      speakers: speakers.map((s) => (s < 's3' ? 'a' : 'b')),
    });
    expect(two.uaCi95BySpeaker).toBeUndefined();
    expect(() => samplingUncertainty(probs, truth, classes, { speakers: ['a'] })).toThrow(/one speaker/);
  });

  it('tells sampling noise from miscalibration', () => {
    // Calibrated: right with probability equal to the confidence. 104 clips (the EmoDB test set).
    const calibrated = synthetic(
      104,
      (i) => 0.35 + (0.6 * ((i * 37) % 104)) / 104,
      (c) => c,
      4,
    );
    const u = samplingUncertainty(calibrated.probs, calibrated.truth, classes);
    expect(u.eceIfCalibrated.mean).toBeGreaterThan(0.03);
    expect(u.eceP).toBeGreaterThan(0.05);
    // Over-confident: 95% confident, right half the time.
    const over = synthetic(
      104,
      () => 0.95,
      () => 0.5,
      5,
    );
    const v = samplingUncertainty(over.probs, over.truth, classes);
    expect(computeMetrics(over.probs, over.truth, classes).ece).toBeGreaterThan(v.eceIfCalibrated.p95);
    expect(v.eceP).toBe(0);
  });
});
