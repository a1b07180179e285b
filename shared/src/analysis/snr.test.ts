import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasData, loadClip, ravdessPath } from '../testing/corpus.ts';
import { tone, whiteNoise } from '../testing/signals.ts';
import { percentileInPlace, SnrEstimator } from './snr.ts';

/** Mean power of the 20 ms blocks within 30 dB of the loudest one: the speech's active level. */
function activePower(x: Float32Array): number {
  const blocks: number[] = [];
  for (let i = 0; i + 320 <= x.length; i += 320) {
    let s = 0;
    for (let j = i; j < i + 320; j++) s += x[j]! * x[j]!;
    blocks.push(s / 320);
  }
  const top = Math.max(...blocks);
  const active = blocks.filter((b) => b > top / 1000);
  return active.reduce((a, b) => a + b, 0) / active.length;
}

/** `x` with white noise at `snrDb` under its active level. */
function withNoise(x: Float32Array, snrDb: number): Float32Array {
  const noise = whiteNoise(x.length, 1, 7);
  const scale = Math.sqrt(activePower(x) / 10 ** (snrDb / 10) / (1 / 12));
  return x.map((v, i) => v + scale * noise[i]!);
}

/** The estimate for the window over the whole of `x`, fed in `chunk`-sample pieces. */
function estimate(x: Float32Array, chunk = 320, e = new SnrEstimator()): number | undefined {
  for (let i = 0; i < x.length; i += chunk) e.push(x.subarray(i, Math.min(x.length, i + chunk)));
  return e.snrDb(0, x.length);
}

const CLIPS = [
  ravdessPath(1, '03-01-05-02-01-01-01'),
  ravdessPath(20, '03-01-04-01-02-02-20'),
  ravdessPath(22, '03-01-03-02-01-02-22'),
];

describe('SnrEstimator', () => {
  it.runIf(hasData)(
    'reads real speech in added noise near the ratio, and lower as the noise rises',
    async () => {
      for (const path of CLIPS) {
        const x = await loadClip(path);
        const clean = estimate(x)!;
        const at = [30, 20, 10, 0].map((snr) => estimate(withNoise(x, snr))!);
        expect(clean, path).toBeGreaterThan(35);
        // Monotone in the true ratio, and within a few dB of it (the speech percentile sits above the
        // active level, the noise percentile a little under the noise's mean power).
        for (let k = 1; k < at.length; k++) expect(at[k]!, path).toBeLessThan(at[k - 1]! - 5);
        expect(at[0]!).toBeLessThan(clean);
        [30, 20, 10, 0].forEach((snr, k) => {
          expect(at[k]!, `${path} at ${snr} dB`).toBeGreaterThan(snr - 1);
          expect(at[k]!, `${path} at ${snr} dB`).toBeLessThan(snr + 9);
        });
        // The level of the recording does not matter, above the -100 dB floor (these clips hold digital
        // silence, which the floor clamps, so the level test is made on a noisy copy; Actor 20's clip
        // peaks at -43 dBFS, so its noise is near the floor 26 dB lower).
        const noisy = withNoise(x, 20);
        for (const gain of [0.25, 4]) expect(estimate(noisy.map((v) => v * gain))!).toBeCloseTo(at[1]!, 6);
      }
    },
  );

  it('takes the floor from the history, so a window of continuous sound after a pause reads high', () => {
    const quiet = whiteNoise(16000 * 2, 1e-4);
    const loud = tone(16000, 440, 16000 * 3, 0.5);
    const x = new Float32Array(quiet.length + loud.length);
    x.set(quiet);
    x.set(loud, quiet.length);
    const e = new SnrEstimator();
    e.push(x);
    // The tone's window alone holds no quiet block; the two seconds before it do.
    const snr = e.snrDb(quiet.length, x.length)!;
    expect(snr).toBeGreaterThan(60);
    // A stream that is nothing but the tone has no floor under it.
    const only = new SnrEstimator();
    only.push(loud);
    expect(only.snrDb(0, loud.length)!).toBeLessThan(1);
  });

  it('gives digital silence a finite floor and says nothing for a window without a whole block', () => {
    const e = new SnrEstimator();
    expect(e.snrDb(0, 16000)).toBeUndefined();
    e.push(new Float32Array(16000));
    expect(e.snrDb(0, 16000)).toBe(0);
    // 400 Hz: whole cycles in each 20 ms block, so every block has the same power.
    e.push(tone(16000, 400, 16000, Math.SQRT2 * 0.1));
    // -20 dBFS over the -100 dB floor.
    expect(e.snrDb(16000, 32000)!).toBeCloseTo(80, 1);
    expect(e.snrDb(100, 300)).toBeUndefined();
    expect(e.samples).toBe(32000);
  });

  it('forgets blocks older than its history', () => {
    const e = new SnrEstimator({ historyBlocks: 50 });
    // A quiet second, then noise: half a second in, the quiet blocks are the floor; two seconds later
    // they are out of the history (50 blocks: one second) and the noise is its own floor.
    e.push(whiteNoise(16000, 1e-4));
    e.push(whiteNoise(8000, 0.1, 3));
    expect(e.snrDb(16000, 24000)!).toBeGreaterThan(40);
    e.push(whiteNoise(32000, 0.1, 4));
    expect(e.snrDb(40000, 56000)!).toBeLessThan(3);
  });

  it('does not depend on how the stream was chunked', () => {
    const x = new Float32Array(16000 * 4);
    x.set(whiteNoise(16000, 1e-3, 5));
    x.set(tone(16000, 300, 16000 * 2, 0.3), 16000);
    x.set(whiteNoise(16000, 0.01, 9), 16000 * 3);
    const windows: Array<[number, number]> = [
      [16000, 48000],
      [8000, 40000],
      [30000, 64000],
    ];
    const reference = (() => {
      const e = new SnrEstimator({ historyBlocks: 120 });
      e.push(x);
      return windows.map(([a, b]) => e.snrDb(a, b));
    })();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const e = new SnrEstimator({ historyBlocks: 120 });
        const got: Array<number | undefined> = new Array(windows.length);
        let pos = 0;
        let k = 0;
        while (pos < x.length) {
          const n = Math.min(sizes[k++ % sizes.length]!, x.length - pos);
          e.push(x.subarray(pos, pos + n));
          pos += n;
          // Each window is judged as soon as its end has arrived, as the analyser cuts windows.
          windows.forEach(([a, b], j) => {
            if (got[j] === undefined && b <= pos) got[j] = e.snrDb(a, b);
          });
        }
        expect(got).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });

  it('finds percentiles by quickselect exactly as sorting would (nearest rank)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -120, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, p) => {
          const sorted = [...values].sort((a, b) => a - b);
          const rank = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
          // Room after the values, as the estimator's scratch buffers have.
          const buf = new Float64Array(values.length + 5).fill(99);
          buf.set(values);
          expect(percentileInPlace(buf, values.length, p)).toBe(sorted[rank]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects options that make no sense', () => {
    expect(() => new SnrEstimator({ blockSamples: 0 })).toThrow(/blockSamples/);
    expect(() => new SnrEstimator({ historyBlocks: 1.5 })).toThrow(/historyBlocks/);
    expect(() => new SnrEstimator({ noisePercentile: 120 })).toThrow(/noisePercentile/);
  });
});
