import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statsSpan, windowStats, windowStatsSize } from './window-stats.ts';

describe('windowStats', () => {
  it('computes mean, std, percentiles and mean absolute change over the unpadded frames', () => {
    // 2 dims, 7 frames: 1 padded at the start, 1 at the end; real frames 1..5.
    const frames = [
      [99, 99],
      [1, 10],
      [2, 10],
      [3, 10],
      [4, 10],
      [5, 10],
      [-99, -99],
    ];
    const s = windowStats(Float32Array.from(frames.flat()), 7, 2, 1, 1);
    expect(s.length).toBe(windowStatsSize(2));
    const [mean, std, p10, p50, p90, delta] = [0, 1, 2, 3, 4, 5].map((k) => [s[k * 2]!, s[k * 2 + 1]!]);
    expect(mean).toEqual([3, 10]);
    expect(std![0]).toBeCloseTo(Math.sqrt(2), 6);
    expect(std![1]).toBe(0);
    expect(p10![0]).toBeCloseTo(1.4, 6);
    expect(p50).toEqual([3, 10]);
    expect(p90![0]).toBeCloseTo(4.6, 6);
    expect(delta).toEqual([1, 0]);
  });

  it('gives zeros for a window without real frames', () => {
    const s = windowStats(new Float32Array(6), 3, 2, 3, 0);
    expect(Array.from(s)).toEqual(new Array(12).fill(0));
  });
});

describe('statsSpan (speech rows only)', () => {
  const span = { frames: 10, padStart: 1, padEnd: 2, speechStart: 3, speechEnd: 6 };
  it('leaves out the pads, and with speechOnly the context around the speech too', () => {
    expect(statsSpan(span)).toEqual({ skipStart: 1, skipEnd: 2 });
    expect(statsSpan(span, { speechOnly: true })).toEqual({ skipStart: 3, skipEnd: 4 });
    // No speech rows: the pads, rather than an empty summary.
    expect(statsSpan({ ...span, speechEnd: 3 }, { speechOnly: true })).toEqual({ skipStart: 1, skipEnd: 2 });
  });

  it('makes the statistics independent of whatever surrounds the speech', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 10, maxLength: 10 }),
        (ctx) => {
          const a = Float32Array.from({ length: 10 }, (_, t) => (t >= 3 && t < 6 ? t * 1.5 : -80));
          const b = Float32Array.from(a, (v, t) => (t >= 3 && t < 6 ? v : ctx[t]!));
          const o = { speechOnly: true };
          const { skipStart, skipEnd } = statsSpan(span, o);
          const sa = windowStats(a, 10, 1, skipStart, skipEnd, undefined, 0, o);
          const sb = windowStats(b, 10, 1, skipStart, skipEnd, undefined, 0, o);
          expect(Array.from(sb)).toEqual(Array.from(sa));
          expect(sa[0]).toBeCloseTo(6, 5); // mean of 4.5, 6, 7.5
        },
      ),
    );
  });
});

describe('windowStats loudness gate', () => {
  it('leaves out frames far below the loudest, unless too few remain', () => {
    // 1 loudness dim + 1 value dim; frames 0..3 quiet (-5), 4..7 loud (1); values equal the frame index.
    const rows = Array.from({ length: 8 }, (_, t) => [t < 4 ? -5 : 1, t]);
    const data = Float32Array.from(rows.flat());
    const gated = windowStats(data, 8, 2, 0, 0, undefined, 0, { gate: { dims: 1, below: 2, minFrames: 2 } });
    expect(gated[1]).toBeCloseTo(5.5, 6); // mean of values 4..7
    const tooFew = windowStats(data, 8, 2, 0, 0, undefined, 0, { gate: { dims: 1, below: 2, minFrames: 5 } });
    expect(tooFew[1]).toBeCloseTo(3.5, 6); // all frames
  });
});

describe('windowStats voiced F0', () => {
  it('summarises the F0 dimension over voiced frames only and leaves the others alone', () => {
    // dim 0: F0 after normalisation, unvoiced frames all at the lowest value (-2); dim 1: any value.
    const f0 = [-2, 1, 3, -2, 2, -2];
    const data = Float32Array.from(f0.flatMap((v, t) => [v, t]));
    const s = windowStats(data, 6, 2, 0, 0, undefined, 0, { voicing: { f0: 0 } });
    const plain = windowStats(data, 6, 2, 0, 0);
    expect(s[0]).toBeCloseTo(2, 6); // mean of 1, 3, 2
    expect(s[2 * 3]).toBeCloseTo(2, 6); // median
    expect(s[2 * 5]).toBeCloseTo(1.5, 6); // |3 - 1| and |2 - 3| over consecutive voiced frames
    for (let k = 0; k < 6; k++) expect(s[2 * k + 1]).toBe(plain[2 * k + 1]);
  });

  it('gives zeros for the F0 dimension of a window without voiced frames', () => {
    const data = Float32Array.from([-1, 5, -1, 6, -1, 7]);
    const s = windowStats(data, 3, 2, 0, 0, undefined, 0, { voicing: { f0: 0 } });
    for (let k = 0; k < 6; k++) expect(s[2 * k]).toBe(0);
    expect(s[1]).toBeCloseTo(6, 6);
  });
});

describe('windowStats percentiles', () => {
  it('equal a full sort exactly, for any values, duplicates and lengths', () => {
    // Signed zeros must not break it (CI once drew [-0]).
    const one = new Float32Array(windowStatsSize(1));
    windowStats(Float32Array.from([-0]), 1, 1, 0, 0, one, 0);
    expect(one[3]! + 0).toBe(0);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, 1, -1)), {
          minLength: 1,
          maxLength: 400,
        }),
        (values) => {
          const frames = values.length;
          const data = Float32Array.from(values);
          const out = new Float32Array(windowStatsSize(1));
          windowStats(data, frames, 1, 0, 0, out, 0);
          const sorted = Float32Array.from(values).sort();
          const pct = (p: number) => {
            const pos = p * (frames - 1);
            const lo = Math.floor(pos);
            const hi = Math.min(frames - 1, lo + 1);
            return Math.fround(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo));
          };
          // Numeric equality: -0 and +0 are the same percentile (x + 0 maps -0 to +0).
          const z = (x: number | undefined) => (x ?? Number.NaN) + 0;
          expect([out[2], out[3], out[4]].map(z)).toEqual([pct(0.1), pct(0.5), pct(0.9)].map(z));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('windowStats contour', () => {
  // Two dimensions: F0 (0 = unvoiced) and energy; 20 frames, frames 0-3 unvoiced.
  const frames = 20;
  const f0 = Array.from({ length: frames }, (_, t) => (t < 4 ? 0 : 100 + 10 * (t - 4)));
  const energy = Array.from({ length: frames }, (_, t) => 5 - 0.5 * t);
  const data = Float32Array.from(f0.flatMap((v, t) => [v, energy[t]!]));
  const options = { voicing: { f0: 0 }, contour: { f0: 0, dims: [1] } };

  it('appends F0 shape (voiced frames) and trends after the unchanged functionals', () => {
    const size = windowStatsSize(2, options);
    expect(size).toBe(6 * 2 + 7 + 2);
    const s = windowStats(data, frames, 2, 0, 0, new Float32Array(size), 0, options);
    const plain = windowStats(data, frames, 2, 0, 0, undefined, 0, { voicing: { f0: 0 } });
    expect(Array.from(s.subarray(0, 12))).toEqual(Array.from(plain));
    const c = Array.from(s.subarray(12));
    // Voiced F0 rises 10 per frame over 16 frames: time runs over [-1, 1] in 15 steps of 2/15.
    expect(c[0]).toBeCloseTo(10 * 7.5, 3);
    expect(c[1]).toBeCloseTo(10 * 12, 3); // last 4 minus first 4 voiced frames
    expect(c.slice(2, 6).map((v) => Math.round(v))).toEqual([-60, -20, 20, 60]);
    expect(c[6]).toBe(1); // the peak is the last voiced frame
    // Energy falls 0.5 per frame over all 20 frames.
    expect(c[7]).toBeCloseTo(-0.5 * 9.5, 4);
    expect(c[8]).toBeCloseTo(-0.5 * 15, 4);
  });

  it('is zero for contours too short to describe, and mirrors a reversed contour', () => {
    const short = windowStats(
      data,
      frames,
      2,
      0,
      17,
      new Float32Array(windowStatsSize(2, options)),
      0,
      options,
    );
    expect(Array.from(short.subarray(12, 18))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(short[18]).toBe(0.5);
    const o = { contour: { dims: [1] } };
    const stats = (e: number[]) =>
      windowStats(Float32Array.from(e.flatMap((v) => [0, v])), frames, 2, 0, 0, new Float32Array(14), 0, o);
    const fwd = stats(energy);
    const back = stats([...energy].reverse());
    expect(back[12]).toBeCloseTo(-fwd[12]!, 5);
    expect(back[13]).toBeCloseTo(-fwd[13]!, 5);
  });
});
