import { resampleOffline } from '@emostream/shared/audio/resample';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECIMATION_HISTORY, decimateHalf, SileroVad } from './silero.ts';

describe.runIf(hasData)('SileroVad', () => {
  let vad: SileroVad;
  let narrow: Float32Array;
  beforeAll(async () => {
    vad = await SileroVad.load();
    // Real speech as an 8 kHz call brings it: band-limited to 4 kHz, then at 16 kHz.
    const clip = await loadClip(ravdessPath(21, '03-01-05-02-01-01-21'));
    narrow = await resampleOffline(await resampleOffline(clip, 16000, 8000), 8000, 16000);
  });
  afterAll(async () => vad?.release());

  const probs = (x: Float32Array, rate: 16000 | 8000) => vad.clipProbabilities(x, rate);

  it('runs the 8 kHz mode on narrowband speech, finding the speech the 16 kHz mode finds', async () => {
    const [p16, p8] = [await probs(narrow, 16000), await probs(narrow, 8000)];
    expect(p8).toHaveLength(p16.length);
    expect(Math.min(...p8)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p8)).toBeLessThanOrEqual(1);
    const speech = (p: number[]) => p.map((v) => v >= 0.5);
    const s16 = speech(p16);
    const s8 = speech(p8);
    expect(s16.filter(Boolean).length).toBeGreaterThanOrEqual(10);
    // Frame by frame the two modes agree on at least 85% of the clip; the probabilities differ.
    expect(s8.filter((v, i) => v === s16[i]).length / s8.length).toBeGreaterThanOrEqual(0.85);
    expect(p8).not.toEqual(p16);
  });

  it('keeps each stream of a batch apart in either mode', async () => {
    const n = vad.frameSamples;
    const frames = [narrow.subarray(20 * n, 21 * n), new Float32Array(n)];
    const batch = await vad.run(frames, [vad.newState(), vad.newState()], 8000);
    const alone = await Promise.all(
      frames.map(async (f) => (await vad.run([f], [vad.newState()], 8000))[0]!),
    );
    expect(Array.from(batch).map((v) => v.toFixed(5))).toEqual(alone.map((v) => v.toFixed(5)));
  });

  it('refuses other rates and frame lengths', async () => {
    const state = vad.newState();
    await expect(vad.run([new Float32Array(vad.frameSamples)], [state], 11025 as never)).rejects.toThrow(
      /rate 11025 is not 16000 or 8000/,
    );
    await expect(vad.run([new Float32Array(768)], [state], 8000)).rejects.toThrow(/expected 1536/);
  });
});

describe('decimateHalf (the 8 kHz mode decimation filter)', () => {
  const tone = (hz: number, n: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 16000));
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
  const decimate = (x: Float32Array, frame: number) => {
    const tail = new Float32Array(DECIMATION_HISTORY);
    const out = new Float32Array(x.length / 2);
    for (let i = 0; i < x.length; i += frame) decimateHalf(x.subarray(i, i + frame), tail, out, i / 2);
    return out;
  };

  it('passes the telephone band and stops what would alias above 4 kHz', () => {
    const n = 1536 * 10;
    // Skip the first frame (the filter starting from silence).
    const level = (hz: number) => rms(decimate(tone(hz, n), 1536).subarray(768)) / rms(tone(hz, n));
    for (const hz of [300, 1000, 2000, 3000]) expect(Math.abs(20 * Math.log10(level(hz)))).toBeLessThan(0.1);
    expect(20 * Math.log10(level(3400))).toBeGreaterThan(-1);
    for (const hz of [5000, 6000, 7500]) expect(20 * Math.log10(level(hz))).toBeLessThan(-50);
  });

  it('carries each stream across frames: framed decimation is the same as one pass', () => {
    const x = Float32Array.from({ length: 1536 * 4 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.9));
    const whole = decimate(x, x.length);
    for (const frame of [1536, 512]) {
      const framed = decimate(x, frame);
      for (let i = 0; i < whole.length; i++) expect(framed[i]).toBeCloseTo(whole[i]!, 6);
    }
    // A 1 kHz tone comes out as the tone at 8 kHz, 31 input samples late.
    const t = tone(1000, 1536 * 2);
    const y = decimate(t, 1536);
    for (let j = 100; j < 700; j++) expect(y[j]).toBeCloseTo(t[2 * j - 31]!, 3);
    expect(() =>
      decimateHalf(new Float32Array(61), new Float32Array(DECIMATION_HISTORY), new Float32Array(31)),
    ).toThrow(/even and >= 62/);
  });
});
