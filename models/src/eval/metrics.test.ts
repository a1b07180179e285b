import { describe, expect, it } from 'vitest';
import { computeMetrics, fitTemperature, softmax } from './metrics.ts';

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
});
