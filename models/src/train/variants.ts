/**
 * The waveform variants the feature cache stores for training: the clean clip, the clip through a
 * telephone channel (calls are a primary use), and `n` random augmentation chains (noise, speed,
 * pitch, reverb, phone line, gain; see `augment/waveform.ts`). An epoch draws one variant per clip.
 */
import { Rng } from '../augment/rng.ts';
import { applyGain, augmentWaveform, telephone } from '../augment/waveform.ts';
import type { Variant } from '../data/window-cache.ts';

/**
 * The level policy of `levelRobust` variants, per clip: half the clips are normalised to a peak
 * drawn in [-6, -1] dBFS (as per-file normalised corpora such as EmoDB, and automatic gain control
 * on calls, present them), the others get a gain drawn in [-10, +10] dB. Natural recordings carry
 * emotion in their level relative to the speaker's usual level (RAVDESS: angry ~14 dB above
 * neutral); normalised ones invert it (EmoDB's angry files are the quietest on average), and a model
 * that trusts level fails on them: RAVDESS test UA 0.579 -> 0.454 when each clip is peak-normalised.
 */
export async function levelPolicy(x: Float32Array, rng: Rng): Promise<Float32Array> {
  if (rng.uniform(0, 1) < 0.5) {
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    if (peak === 0) return x;
    const g = 10 ** (rng.uniform(-6, -1) / 20) / peak;
    return x.map((v) => v * g);
  }
  return applyGain(x, rng.uniform(-10, 10));
}

/**
 * Variants for training. `babble` supplies speech of other speakers for babble noise (loaded once,
 * lazily); without it babble noise is not used. With `levelRobust`, every variant (the clean one
 * too) goes through {@link levelPolicy} last, and its id says so (`clean-lvl`, ...).
 */
export function trainingVariants(
  n: number,
  babble?: () => Promise<readonly Float32Array[]>,
  options: { levelRobust?: boolean } = {},
): Variant[] {
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
  if (!options.levelRobust) return variants;
  return variants.map((v) => ({
    id: `${v.id}-lvl`,
    version: v.version,
    transform: async (x: Float32Array, seed: number) =>
      levelPolicy(v.transform ? await v.transform(x, seed) : x, new Rng(seed).fork('level')),
  }));
}
