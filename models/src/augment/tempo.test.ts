import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { pitchShift, speedPerturb, timeStretch } from './tempo.ts';
import { correlation, goldenClip, median, pairedF0Ratio, voicedF0 } from './test-helpers.ts';

/** Log energy of 20 ms frames. */
function energyContour(x: Float32Array): Float32Array {
  const out = new Float32Array(Math.floor(x.length / 320));
  for (let f = 0; f < out.length; f++) {
    let s = 1e-10;
    for (let i = f * 320; i < f * 320 + 320; i++) s += x[i]! * x[i]!;
    out[f] = Math.log10(s);
  }
  return out;
}

function sine(hz: number, length: number, amp = 0.3): Float32Array {
  return Float32Array.from({ length }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / 16000));
}

describe('timeStretch (WSOLA)', () => {
  it('hits the requested length exactly and keeps the pitch of a tone', () => {
    const x = sine(180, 16000);
    const copy = Float32Array.from(x);
    for (const outLength of [12000, 14500, 16000, 17600, 20000]) {
      const y = timeStretch(x, outLength);
      expect(y.length).toBe(outLength);
      expect(median(voicedF0(y)) / 180).toBeCloseTo(1, 2);
      // Phase-aligned cross-fades keep a steady tone's envelope flat (no comb-filter dips).
      let peakDev = 0;
      for (let i = 1000; i < outLength - 1000; i += 89) {
        let m = 0;
        for (let j = 0; j < 89; j++) m = Math.max(m, Math.abs(y[i + j]!));
        peakDev = Math.max(peakDev, Math.abs(m - 0.3));
      }
      expect(peakDev).toBeLessThan(0.03);
    }
    expect(x).toEqual(copy);
  });

  it('handles empty and tiny inputs', () => {
    expect(timeStretch(new Float32Array(0), 10)).toEqual(new Float32Array(10));
    expect(timeStretch(new Float32Array([0.5]), 3).length).toBe(3);
    expect(timeStretch(sine(200, 100), 0).length).toBe(0);
  });
});

describe.skipIf(!hasData)('speed and pitch on real speech', () => {
  // The golden clip is shouted (median F0 344 Hz); the second is a calm female voice (218 Hz).
  const clips = async () => [await goldenClip(), await loadClip(ravdessPath(2, '03-01-01-01-01-01-02'))];

  it.each([0.9, 1.1])('speedPerturb(%d) scales the length by 1/factor and F0 by factor', async (factor) => {
    for (const [i, clip] of (await clips()).entries()) {
      const copy = Float32Array.from(clip);
      const y = await speedPerturb(clip, factor);
      expect(clip).toEqual(copy);
      expect(Math.abs(y.length - clip.length / factor)).toBeLessThanOrEqual(1);
      expect(Math.abs(pairedF0Ratio(clip, y, factor) / factor - 1)).toBeLessThan(0.03);
      if (i === 1) {
        expect(Math.abs(median(voicedF0(y)) / median(voicedF0(clip)) / factor - 1)).toBeLessThan(0.03);
      }
    }
  });

  it('speedPerturb(1) returns a copy', async () => {
    const clip = await goldenClip();
    const y = await speedPerturb(clip, 1);
    expect(y).toEqual(clip);
    expect(y).not.toBe(clip);
  });

  it.each([
    -2, -1, 1, 2,
  ])('pitchShift(%d) keeps the duration and moves F0 by 2^(st/12)', async (semitones) => {
    const ratio = 2 ** (semitones / 12);
    for (const [i, clip] of (await clips()).entries()) {
      const copy = Float32Array.from(clip);
      const y = await pitchShift(clip, semitones);
      expect(clip).toEqual(copy);
      expect(y.length).toBe(clip.length);
      expect(Math.abs(pairedF0Ratio(clip, y, 1) / ratio - 1)).toBeLessThan(0.03);
      if (i === 1) {
        expect(Math.abs(median(voicedF0(y)) / median(voicedF0(clip)) / ratio - 1)).toBeLessThan(0.03);
      }
      // Timing is kept, not just length: the syllables' energy contour lines up with the original's.
      expect(correlation(energyContour(y), energyContour(clip))).toBeGreaterThan(0.95);
    }
  });
});
