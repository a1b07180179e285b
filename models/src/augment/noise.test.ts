import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { activeSpeechLevel, meanSquare } from './dsp.ts';
import { addNoise, brownNoise, type NoiseKind, pinkNoise } from './noise.ts';
import { Rng } from './rng.ts';
import { bandEnergy, db, goldenClip, powerSpectrum } from './test-helpers.ts';

function residual(y: Float32Array, x: Float32Array): Float32Array {
  return Float32Array.from(y, (v, i) => v - x[i]!);
}

describe('noise colours', () => {
  it('pink falls 3 dB and brown 6 dB per octave', () => {
    const slope = (x: Float32Array) => {
      const psd = powerSpectrum(x);
      // Octave 500–1000 Hz against octave 2000–4000 Hz, per Hz: two octaves apart.
      return db(bandEnergy(psd, 2000, 4000) / 2000 / (bandEnergy(psd, 500, 1000) / 500)) / 2;
    };
    expect(slope(pinkNoise(160_000, new Rng(1)))).toBeCloseTo(-3, 0);
    expect(slope(brownNoise(160_000, new Rng(1)))).toBeCloseTo(-6, 0);
  });
});

describe.skipIf(!hasData)('addNoise on real speech', () => {
  const babble = async () =>
    Promise.all(
      ['03-01-01-01-01-01-02', '03-01-03-01-02-01-03', '03-01-04-02-01-02-04', '03-01-06-01-01-01-05'].map(
        (stem, i) => loadClip(ravdessPath(i + 2, stem)),
      ),
    );

  it.each<[NoiseKind, number]>([
    ['white', 5],
    ['pink', 12.5],
    ['brown', 20],
    ['babble', 0],
    ['babble', 30],
  ])('%s noise at %d dB SNR against active speech is achieved within 0.5 dB', async (kind, snrDb) => {
    const clip = await goldenClip();
    const copy = Float32Array.from(clip);
    const y = addNoise(clip, new Rng(`snr-${kind}`), { snrDb, kind, babbleSources: await babble() });
    expect(clip).toEqual(copy);
    const speech = activeSpeechLevel(clip).power;
    const noise = residual(y, clip);
    expect(Math.abs(db(speech / meanSquare(noise)) - snrDb)).toBeLessThan(0.5);
    // The same noise against the whole clip, silence included, would read ~3 dB lower: the gate matters.
    expect(db(speech / meanSquare(noise)) - db(meanSquare(clip) / meanSquare(noise))).toBeGreaterThan(2);
  });

  it('measures the noise under the words, not just on average, for stationary noise', async () => {
    const clip = await goldenClip();
    const level = activeSpeechLevel(clip);
    const noise = residual(addNoise(clip, new Rng(9), { snrDb: 10, kind: 'white' }), clip);
    // Noise power over the frames the gate called speech, against the speech power over the same frames.
    let sp = 0;
    let np = 0;
    let n = 0;
    for (let f = 0; f < level.totalFrames; f++) {
      const s = clip.subarray(f * 320, f * 320 + 320);
      if (db(meanSquare(s)) < level.gateDb) continue;
      sp += meanSquare(s);
      np += meanSquare(noise.subarray(f * 320, f * 320 + 320));
      n++;
    }
    expect(n).toBe(level.activeFrames);
    expect(Math.abs(db(sp / np) - 10)).toBeLessThan(0.5);
  });

  it('is deterministic per seed and never touches the babble sources', async () => {
    const clip = await goldenClip();
    const sources = await babble();
    const copies = sources.map((s) => Float32Array.from(s));
    const run = (seed: number) =>
      addNoise(clip, new Rng(seed), { snrDb: 10, kind: 'babble', babbleSources: sources });
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(sources).toEqual(copies);
    for (const kind of ['white', 'pink', 'brown'] as const) {
      const a = addNoise(clip, new Rng(5), { snrDb: 10, kind });
      expect(a).toEqual(addNoise(clip, new Rng(5), { snrDb: 10, kind }));
      expect(a).not.toEqual(addNoise(clip, new Rng(6), { snrDb: 10, kind }));
    }
  });
});

describe('addNoise edge cases', () => {
  it('returns a copy of a silent clip and rejects babble without sources', () => {
    const silent = new Float32Array(1600);
    const y = addNoise(silent, new Rng(1), { snrDb: 10, kind: 'white' });
    expect(y).toEqual(silent);
    expect(y).not.toBe(silent);
    const tone = Float32Array.from({ length: 1600 }, (_, i) => Math.sin(i / 5));
    expect(() => addNoise(tone, new Rng(1), { snrDb: 10, kind: 'babble' })).toThrow(TypeError);
    expect(() => addNoise(tone, new Rng(1), { snrDb: Number.NaN, kind: 'white' })).toThrow(TypeError);
  });
});
