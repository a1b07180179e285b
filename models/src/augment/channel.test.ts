import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { reverb, roomImpulseResponse, telephone } from './channel.ts';
import { butterworth, filterCascade, meanSquare } from './dsp.ts';
import { Rng } from './rng.ts';
import { bandEnergy, correlation, db, goldenClip, powerSpectrum } from './test-helpers.ts';

describe.skipIf(!hasData)('telephone on real speech', () => {
  // The shouted golden clip (active level −17 dBFS) and a calm, quiet one (−40 dBFS).
  const clips = async () => [await goldenClip(), await loadClip(ravdessPath(2, '03-01-01-01-01-01-02'))];
  const bandLimit = (x: Float32Array) =>
    filterCascade(x, [...butterworth('high', 300, 8), ...butterworth('low', 3400, 6)]);

  it('leaves < −30 dB outside the band, keeps the band, and never touches its input', async () => {
    for (const clip of await clips()) {
      const copy = Float32Array.from(clip);
      for (const codec of ['mulaw', 'alaw'] as const) {
        const y = await telephone(clip, undefined, { codec });
        expect(clip).toEqual(copy);
        expect(y.length).toBe(clip.length);
        const psd = powerSpectrum(y);
        const band = bandEnergy(psd, 300, 3400);
        expect(db(bandEnergy(psd, 4000, 8001) / band)).toBeLessThan(-30);
        expect(db(bandEnergy(psd, 0, 200) / band)).toBeLessThan(-30);
        // The original's own out-of-band share, for contrast: the channel is what removed it.
        const orig = powerSpectrum(clip);
        expect(db(bandEnergy(orig, 4000, 8001) / bandEnergy(orig, 300, 3400))).toBeGreaterThan(-25);
        // It is still the same speech, aligned, at the same level as the band-limited original.
        const reference = bandLimit(clip);
        expect(correlation(y, reference)).toBeGreaterThan(0.9);
        expect(Math.abs(db(meanSquare(y) / meanSquare(reference)))).toBeLessThan(0.5);
      }
    }
  });

  it('codes at a nominal call level, so a quiet clip does not fall into the codec noise', async () => {
    const quiet = (await clips())[1]!.map((v) => v * 0.1); // active level ≈ −60 dBFS
    const reference = bandLimit(quiet);
    const levelled = await telephone(quiet, undefined, { codec: 'alaw' });
    const raw = await telephone(quiet, undefined, { codec: 'alaw', codecLevelDb: null });
    expect(correlation(levelled, reference)).toBeGreaterThan(0.99);
    expect(correlation(raw, reference)).toBeLessThan(correlation(levelled, reference));
  });

  it('tilts the spectrum by a random mild EQ when given an rng, deterministically', async () => {
    const clip = await goldenClip();
    const a = await telephone(clip, new Rng(1));
    expect(a).toEqual(await telephone(clip, new Rng(1)));
    expect(a).not.toEqual(await telephone(clip, new Rng(2)));
    const bright = powerSpectrum(await telephone(clip, undefined, { tiltDb: 4 }));
    const flat = powerSpectrum(await telephone(clip, undefined, { tiltDb: 0 }));
    const tilt = (p: Float64Array) => db(bandEnergy(p, 2500, 3400) / bandEnergy(p, 300, 600));
    expect(tilt(bright) - tilt(flat)).toBeGreaterThan(2.5);
    expect(tilt(bright) - tilt(flat)).toBeLessThan(5);
  });
});

describe('telephone edge cases', () => {
  it('handles empty and odd-length input', async () => {
    expect((await telephone(new Float32Array(0))).length).toBe(0);
    const x = Float32Array.from({ length: 1601 }, (_, i) => 0.3 * Math.sin(i / 3));
    expect((await telephone(x)).length).toBe(1601);
    await expect(telephone(x, undefined, { lowHz: 3500, highHz: 3000 })).rejects.toThrow(RangeError);
  });
});

/** Schroeder backward-integrated energy decay of `h` in dB re its total. */
function schroeder(h: Float32Array): Float64Array {
  const edc = new Float64Array(h.length);
  let s = 0;
  for (let i = h.length - 1; i >= 0; i--) edc[i] = s += h[i]! * h[i]!;
  return edc.map((v) => db(v / s));
}

describe('reverb', () => {
  it.each([0.3, 0.6, 1.0])('the impulse response decays 60 dB in RT60 = %d s', (rt60S) => {
    const h = roomImpulseResponse(new Rng(rt60S * 10), { rt60S, drrDb: -10 });
    expect(meanSquare(h) * h.length).toBeCloseTo(1, 5);
    expect(h[0]).toBeGreaterThan(0);
    // T20: the slope of the decay curve from −5 to −25 dB, extrapolated to 60 dB.
    const edc = schroeder(h);
    const t5 = edc.findIndex((v) => v < -5);
    const t25 = edc.findIndex((v) => v < -25);
    const measured = ((t25 - t5) / 16000) * 3;
    expect(Math.abs(measured / rt60S - 1)).toBeLessThan(0.1);
  });

  it('sets the direct-to-reverberant ratio', () => {
    const h = roomImpulseResponse(new Rng(4), { rt60S: 0.5, drrDb: 6 });
    expect(db(h[0]! ** 2 / (meanSquare(h) * h.length - h[0]! ** 2))).toBeCloseTo(6, 3);
  });

  it('extends the decay after a burst ends, keeps the length and the level, and is deterministic', () => {
    const rng = new Rng('burst');
    const x = new Float32Array(16000);
    for (let i = 1600; i < 3200; i++) x[i] = 0.3 * rng.normal();
    const copy = Float32Array.from(x);
    const y = reverb(x, new Rng(1), { rt60S: 0.5, drrDb: 3 });
    expect(x).toEqual(copy);
    expect(y.length).toBe(x.length);
    expect(meanSquare(y)).toBeCloseTo(meanSquare(x), 8);
    expect(y).toEqual(reverb(x, new Rng(1), { rt60S: 0.5, drrDb: 3 }));
    expect(y).not.toEqual(reverb(x, new Rng(2), { rt60S: 0.5, drrDb: 3 }));
    const burst = meanSquare(y.subarray(1600, 3200));
    // 100–200 ms after the end of the burst the dry signal is silent; the room still rings at the
    // level the exponential predicts (−12 to −24 dB of decay), far above silence.
    const tail = meanSquare(y.subarray(4800, 6400));
    expect(db(tail / burst)).toBeGreaterThan(-45);
    expect(db(tail / burst)).toBeLessThan(-15);
    // And 400–500 ms later it has decayed further, by roughly 60 dB per RT60.
    const later = meanSquare(y.subarray(9600, 11200));
    expect(db(later / tail)).toBeLessThan(-30);
    expect(db(later / tail)).toBeGreaterThan(-45);
  });

  it.skipIf(!hasData)('on real speech fills the pause after the last word', async () => {
    const clip = await goldenClip();
    const y = reverb(clip, new Rng(3), { rt60S: 0.6 });
    // The clip's words end near 3.0 s; 3.1–3.3 s is near-silence in the dry clip.
    const dry = meanSquare(clip.subarray(49600, 52800));
    const wet = meanSquare(y.subarray(49600, 52800));
    expect(db(wet / dry)).toBeGreaterThan(10);
  });
});
