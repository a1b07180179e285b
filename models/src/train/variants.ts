/**
 * The waveform variants the feature cache stores for training: the clean clip, the clip through a
 * telephone channel (calls are a primary use), and `n` random augmentation chains (noise, speed,
 * pitch, reverb, phone line, gain; see `augment/waveform.ts`). An epoch draws one variant per clip.
 */
import { Rng } from '../augment/rng.ts';
import { augmentWaveform, telephone } from '../augment/waveform.ts';
import type { Variant } from '../data/window-cache.ts';

/**
 * Variants for training. `babble` supplies speech of other speakers for babble noise (loaded once,
 * lazily); without it babble noise is not used.
 */
export function trainingVariants(n: number, babble?: () => Promise<readonly Float32Array[]>): Variant[] {
  let pool: Promise<readonly Float32Array[]> | null = null;
  const sources = () => {
    pool ??= babble ? babble() : Promise.resolve([]);
    return pool;
  };
  const variants: Variant[] = [
    { id: 'clean', version: 1 },
    { id: 'phone', version: 1, transform: (x, seed) => telephone(x, new Rng(seed)) },
  ];
  for (let i = 1; i <= n; i++) {
    variants.push({
      id: `aug${i}`,
      version: 1,
      transform: async (x, seed) =>
        (await augmentWaveform(x, new Rng(seed), {}, { babbleSources: await sources() })).samples,
    });
  }
  return variants;
}
