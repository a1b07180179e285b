import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';
import { defaultSpecAugmentOptions, mixup, specAugment } from './specaugment.ts';

/** A window whose every cell is distinct and nonzero, so any write is visible. */
function distinct(frames: number, dim: number): Float32Array {
  return Float32Array.from({ length: frames * dim }, (_, i) => i + 1);
}

describe('specAugment', () => {
  it('masks exactly the reported rows and columns and nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer(),
        fc.record({
          timeMasks: fc.integer({ min: 0, max: 4 }),
          maxTimeWidth: fc.integer({ min: 0, max: 60 }),
          maxTimeFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          freqMasks: fc.integer({ min: 0, max: 4 }),
          maxFreqWidth: fc.integer({ min: 0, max: 20 }),
        }),
        (frames, dim, seed, options) => {
          const x = distinct(frames, dim);
          const result = specAugment(x, frames, dim, new Rng(seed), { ...options, fill: -1 });
          expect(result.timeMasks).toHaveLength(options.timeMasks);
          expect(result.freqMasks).toHaveLength(options.freqMasks);
          const rows = new Set<number>();
          const cols = new Set<number>();
          const maxT = Math.min(options.maxTimeWidth, Math.floor(options.maxTimeFraction * frames));
          for (const { start, width } of result.timeMasks) {
            expect(width).toBeLessThanOrEqual(maxT);
            expect(start + width).toBeLessThanOrEqual(frames);
            for (let t = start; t < start + width; t++) rows.add(t);
          }
          for (const { start, width } of result.freqMasks) {
            expect(width).toBeLessThanOrEqual(Math.min(options.maxFreqWidth, dim));
            expect(start + width).toBeLessThanOrEqual(dim);
            for (let d = start; d < start + width; d++) cols.add(d);
          }
          let masked = 0;
          for (let t = 0; t < frames; t++) {
            for (let d = 0; d < dim; d++) {
              const i = t * dim + d;
              const shouldMask = rows.has(t) || cols.has(d);
              if (shouldMask !== (x[i] === -1) || (!shouldMask && x[i] !== i + 1)) return false;
              if (shouldMask) masked++;
            }
          }
          // Inclusion–exclusion over the counted rows and columns.
          return masked === rows.size * dim + cols.size * frames - rows.size * cols.size;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic per seed and actually masks with the defaults', () => {
    const a = distinct(300, 40);
    const b = distinct(300, 40);
    const c = distinct(300, 40);
    const ra = specAugment(a, 300, 40, new Rng(1));
    specAugment(b, 300, 40, new Rng(1));
    specAugment(c, 300, 40, new Rng(2));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(ra.fill).toBe(defaultSpecAugmentOptions.fill);
    let masked = 0;
    for (const v of a) if (v === 0) masked++;
    expect(masked).toBeGreaterThan(0);
  });

  it("fills with the window's own mean when asked", () => {
    const x = Float32Array.from({ length: 20 * 4 }, (_, i) => (i % 4) + 10);
    const { fill } = specAugment(x, 20, 4, new Rng(3), {
      fill: 'mean',
      timeMasks: 1,
      maxTimeWidth: 5,
      maxTimeFraction: 1,
    });
    expect(fill).toBeCloseTo(11.5, 6);
  });

  it('rejects a window that does not match its shape', () => {
    expect(() => specAugment(new Float32Array(10), 3, 3, new Rng(1))).toThrow(RangeError);
    expect(() => specAugment(new Float32Array(9), 3, 3, new Rng(1), { timeMasks: -1 })).toThrow(TypeError);
  });
});

describe('mixup', () => {
  it('mixes features and labels with the same λ ≥ 0.5 and leaves the inputs alone', () => {
    const a = { features: new Float32Array([1, 1, 1]), labels: new Float32Array([1, 0]) };
    const b = { features: new Float32Array([0, 0, 0]), labels: new Float32Array([0, 1]) };
    const rng = new Rng(9);
    for (let k = 0; k < 50; k++) {
      const m = mixup(a, b, rng);
      expect(m.lambda).toBeGreaterThanOrEqual(0.5);
      expect(m.lambda).toBeLessThanOrEqual(1);
      expect(m.features[0]).toBeCloseTo(m.lambda, 6);
      expect(m.labels[0]! + m.labels[1]!).toBeCloseTo(1, 6);
    }
    expect(Array.from(a.features)).toEqual([1, 1, 1]);
    expect(mixup(a, b, new Rng(4))).toEqual(mixup(a, b, new Rng(4)));
    expect(() => mixup(a, { ...b, labels: new Float32Array(3) }, rng)).toThrow(RangeError);
  });
});
