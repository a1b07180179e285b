import { describe, expect, it } from 'vitest';
import { StreamNormalizer } from './normalizer.ts';

describe('StreamNormalizer', () => {
  const prior = { dim: 2, priorMean: [10, -5], priorStd: [2, 4] };

  it('uses the prior before any frame', () => {
    const n = new StreamNormalizer({ ...prior, priorFrames: 100 });
    const out = new Float32Array(2);
    n.apply(new Float32Array([12, -1]), 1, out);
    expect(Array.from(out)).toEqual([1, 1]);
  });

  it('converges to the stream statistics as frames accumulate', () => {
    const n = new StreamNormalizer({ ...prior, priorFrames: 10 });
    const frames = new Float32Array(20000);
    for (let t = 0; t < 10000; t++) {
      frames[2 * t] = t % 2 === 0 ? 0 : 2; // mean 1, std 1
      frames[2 * t + 1] = 7;
    }
    n.accumulate(frames, 10000);
    const { mean, std } = n.current();
    expect(mean[0]).toBeCloseTo(1, 1);
    expect(std[0]).toBeCloseTo(1, 1);
    expect(mean[1]).toBeCloseTo(7, 1);
  });

  it('blends prior and stream by frame counts', () => {
    const n = new StreamNormalizer({ dim: 1, priorMean: [0], priorStd: [1], priorFrames: 3 });
    n.accumulate(new Float32Array([4]), 1);
    // mean = (3*0 + 4) / 4 = 1; E[x^2] = (3*1 + 16) / 4 = 4.75; var = 3.75
    const { mean, std } = n.current();
    expect(mean[0]).toBeCloseTo(1, 12);
    expect(std[0]).toBeCloseTo(Math.sqrt(3.75), 12);
  });

  it('carries a session across streams with snapshot/restore', () => {
    const a = new StreamNormalizer({ ...prior });
    a.accumulate(new Float32Array([1, 2, 3, 4, 5, 6]), 3);
    const b = new StreamNormalizer({ ...prior });
    b.restore(a.snapshot());
    expect(b.current()).toEqual(a.current());
    expect(b.framesSeen).toBe(3);
    b.reset();
    expect(b.framesSeen).toBe(0);
    expect(() => b.restore({ frames: 1, sum: [1], sumSq: [1] })).toThrow(TypeError);
  });

  it('rejects a prior of the wrong size', () => {
    expect(() => new StreamNormalizer({ dim: 3, priorMean: [0], priorStd: [1] })).toThrow(TypeError);
  });
});
