/**
 * The waveform variants the feature cache stores for training: the clean clip, the clip through a
 * telephone channel (calls are a primary use), and `n` random augmentation chains (noise, speed,
 * pitch, reverb, phone line, gain; see `augment/waveform.ts`). An epoch draws one variant per clip.
 */
import { normalizePeak } from '../augment/gain.ts';
import { Rng } from '../augment/rng.ts';
import { applyGain, augmentWaveform, telephone, type WaveformPolicyOverrides } from '../augment/waveform.ts';
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
  if (rng.uniform(0, 1) < 0.5) return normalizePeak(x, rng.uniform(-6, -1));
  return applyGain(x, rng.uniform(-10, 10));
}

/**
 * The noise-floor policy of `noiseRobust` variants: the augmentation's noise stage alone (its mix of
 * babble, pink, white and brown noise) with p 0.8 at 10-40 dB SNR. Studio corpora have almost no
 * noise floor, and a model trained on them reads the depth of the pauses as an emotion cue: the
 * default model of 2026-11-24 fell from RAVDESS test UA 0.579 to 0.499 at 30 dB SNR and 0.205 at
 * 10 dB (pink noise).
 */
export const NOISE_FLOOR_POLICY: WaveformPolicyOverrides = Object.freeze({
  timeShift: { p: 0 },
  speed: { p: 0 },
  pitch: { p: 0 },
  reverb: { p: 0 },
  telephone: { p: 0 },
  gain: { p: 0 },
  noise: { p: 0.8, snrDb: [10, 40] as const },
});

/**
 * Variants for training. `babble` supplies speech of other speakers for babble noise (loaded once,
 * lazily); without it babble noise is not used. With `noiseRobust` every variant (the clean one
 * too) then gets {@link NOISE_FLOOR_POLICY}; with `noisyCopies` such a copy of each variant is added
 * beside the originals instead; with `levelRobust` {@link levelPolicy} comes last. Their ids say so
 * (`clean-nz`, `clean-nz-lvl`, ...).
 */
export function trainingVariants(
  n: number,
  babble?: () => Promise<readonly Float32Array[]>,
  options: { levelRobust?: boolean; noiseRobust?: boolean; noisyCopies?: boolean } = {},
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
  if (options.noiseRobust && options.noisyCopies)
    throw new TypeError('noiseRobust replaces the variants by noisy ones, noisyCopies adds them: pick one');
  const withNoise = (list: Variant[]): Variant[] =>
    list.map((v) => ({
      id: `${v.id}-nz`,
      version: v.version,
      transform: async (x: Float32Array, seed: number) =>
        (
          await augmentWaveform(
            v.transform ? await v.transform(x, seed) : x,
            new Rng(seed).fork('noise-floor'),
            NOISE_FLOOR_POLICY,
            { babbleSources: await sources() },
          )
        ).samples,
    }));
  const noisy = options.noiseRobust
    ? withNoise(variants)
    : options.noisyCopies
      ? [...variants, ...withNoise(variants)]
      : variants;
  if (!options.levelRobust) return noisy;
  return noisy.map((v) => ({
    id: `${v.id}-lvl`,
    version: v.version,
    transform: async (x: Float32Array, seed: number) =>
      levelPolicy(v.transform ? await v.transform(x, seed) : x, new Rng(seed).fork('level')),
  }));
}
