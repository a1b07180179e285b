import { hasData } from '@emostream/shared/testing/corpus';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_MARGIN_DB,
  activeSpeechLevel,
  type Biquad,
  butterworth,
  fftConvolve,
  filterCascade,
  meanSquare,
  shelf,
} from './dsp.ts';
import { db, goldenClip } from './test-helpers.ts';

/** |H(e^{jω})|² of a cascade at `hz`. */
function response(sections: readonly Biquad[], hz: number): number {
  const w = (2 * Math.PI * hz) / 16000;
  let g = 1;
  for (const { b0, b1, b2, a1, a2 } of sections) {
    const nr = b0 + b1 * Math.cos(w) + b2 * Math.cos(2 * w);
    const ni = -b1 * Math.sin(w) - b2 * Math.sin(2 * w);
    const dr = 1 + a1 * Math.cos(w) + a2 * Math.cos(2 * w);
    const di = -a1 * Math.sin(w) - a2 * Math.sin(2 * w);
    g *= (nr * nr + ni * ni) / (dr * dr + di * di);
  }
  return g;
}

describe('biquads', () => {
  it('Butterworth cascades are −3 dB at the corner, flat in the pass band and roll off at 6·order dB/oct', () => {
    const hp = butterworth('high', 300, 8);
    expect(db(response(hp, 300))).toBeCloseTo(-3.01, 1);
    expect(Math.abs(db(response(hp, 1500)))).toBeLessThan(0.01);
    expect(db(response(hp, 150))).toBeLessThan(-47);
    const lp = butterworth('low', 3400, 6);
    expect(db(response(lp, 3400))).toBeCloseTo(-3.01, 1);
    expect(Math.abs(db(response(lp, 500)))).toBeLessThan(0.01);
  });

  it('shelves reach their gain on their side and 0 dB on the other', () => {
    expect(db(response([shelf('high', 1000, 4)], 7000))).toBeCloseTo(4, 1);
    expect(db(response([shelf('high', 1000, 4)], 20))).toBeCloseTo(0, 2);
    expect(db(response([shelf('low', 1000, -5)], 10))).toBeCloseTo(-5, 1);
    expect(db(response([shelf('low', 1000, -5)], 7900))).toBeCloseTo(0, 1);
  });

  it('filterCascade matches the designed response on a sine, and leaves its input alone', () => {
    const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 250 * i) / 16000));
    const copy = Float32Array.from(x);
    const y = filterCascade(x, butterworth('high', 300, 8));
    expect(x).toEqual(copy);
    const gain = meanSquare(y.subarray(8000)) / meanSquare(x.subarray(8000));
    expect(db(gain)).toBeCloseTo(db(response(butterworth('high', 300, 8), 250)), 1);
  });
});

describe('fftConvolve', () => {
  it('equals direct convolution for any lengths', () => {
    fc.assert(
      fc.property(
        fc.float32Array({
          minLength: 1,
          maxLength: 700,
          noNaN: true,
          noDefaultInfinity: true,
          min: -1,
          max: 1,
        }),
        fc.float32Array({
          minLength: 1,
          maxLength: 300,
          noNaN: true,
          noDefaultInfinity: true,
          min: -1,
          max: 1,
        }),
        (x, h) => {
          const y = fftConvolve(x, h);
          expect(y.length).toBe(x.length + h.length - 1);
          for (let n = 0; n < y.length; n++) {
            let s = 0;
            for (let k = 0; k < h.length; k++) if (n - k >= 0 && n - k < x.length) s += h[k]! * x[n - k]!;
            expect(Math.abs(y[n]! - s)).toBeLessThan(1e-4);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('truncates to outLength', () => {
    const y = fftConvolve(new Float32Array([1, 2, 3]), new Float32Array([1, 1]), 3);
    expect(Array.from(y)).toEqual([1, 3, 5]);
  });
});

describe('activeSpeechLevel', () => {
  it('counts the loud half of a burst-and-silence signal and ignores the silence', () => {
    const x = new Float32Array(32000);
    for (let i = 8000; i < 24000; i++) x[i] = 0.1 * Math.sin(i);
    x.fill(1e-4, 0, 8000); // a −80 dBFS floor
    const level = activeSpeechLevel(x);
    expect(level.activeFrames).toBe(50);
    expect(level.power).toBeCloseTo(meanSquare(x.subarray(8000, 24000)), 6);
    expect(activeSpeechLevel(new Float32Array(1000)).power).toBe(0);
  });

  it.skipIf(!hasData)(
    'on real speech the gate sits 15.9 dB under the active level, above the silences',
    async () => {
      const clip = await goldenClip();
      const level = activeSpeechLevel(clip);
      const activeDb = db(level.power);
      expect(activeDb - level.gateDb).toBeLessThanOrEqual(ACTIVITY_MARGIN_DB);
      expect(activeDb - level.gateDb).toBeGreaterThan(ACTIVITY_MARGIN_DB - 3);
      // About half of this clip is speech; the whole-clip power is diluted by the silence around it.
      expect(level.activeFrames / level.totalFrames).toBeGreaterThan(0.3);
      expect(level.activeFrames / level.totalFrames).toBeLessThan(0.7);
      expect(activeDb - db(meanSquare(clip))).toBeGreaterThan(2);
    },
  );
});
