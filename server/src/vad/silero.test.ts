import { resampleOffline } from '@emostream/shared/audio/resample';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad } from './silero.ts';

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
