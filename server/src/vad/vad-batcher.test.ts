import { resampleOffline } from '@emostream/shared/audio/resample';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad, type VadRate } from './silero.ts';
import { VadBatcher } from './vad-batcher.ts';

describe.runIf(hasData)('VadBatcher', () => {
  let vad: SileroVad;
  let clips: Float32Array[];
  beforeAll(async () => {
    vad = await SileroVad.load();
    const a = await loadClip(ravdessPath(21, '03-01-05-02-01-01-21'));
    const b = await loadClip(ravdessPath(22, '03-01-03-01-02-01-22'));
    const narrow = async (x: Float32Array) =>
      resampleOffline(await resampleOffline(x, 16000, 8000), 8000, 16000);
    clips = [a, b, await narrow(a), await narrow(b)];
  });
  afterAll(async () => vad?.release());

  it('batches streams of both modes apart, each with its own state, as if each ran alone', async () => {
    const rates: VadRate[] = [16000, 16000, 8000, 8000];
    const modes: VadRate[] = [];
    const sizes: number[] = [];
    const batcher = new VadBatcher(vad, {
      maxBatch: 3,
      onBatch: (size, _ms, rate) => {
        sizes.push(size);
        modes.push(rate);
      },
    });
    const fns = rates.map((r) => batcher.forStream(r));
    const n = vad.frameSamples;
    const frames = Math.min(...clips.map((c) => Math.floor(c.length / n)));
    const got: number[][] = clips.map(() => []);
    for (let f = 0; f < frames; f++) {
      // Every stream's frame f is queued in the same turn, so batches mix streams (and would mix modes).
      const ps = await Promise.all(fns.map((fn, i) => fn(clips[i]!.subarray(f * n, (f + 1) * n))));
      ps.forEach((p, i) => {
        got[i]!.push(p);
      });
    }
    for (let i = 0; i < clips.length; i++) {
      const alone = (await vad.clipProbabilities(clips[i]!, rates[i])).slice(0, frames);
      expect(got[i]!.map((p) => p.toFixed(5))).toEqual(alone.map((p) => p.toFixed(5)));
    }
    // Two modes, never in one call; batches of up to 3 frames.
    expect(new Set(modes)).toEqual(new Set([16000, 8000]));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(frames * clips.length);
    // The speech probabilities are real: each stream has speech frames.
    for (const g of got) expect(Math.max(...g)).toBeGreaterThan(0.5);
  });
});
