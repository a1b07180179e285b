/**
 * Additive noise at a target SNR measured against the active speech level, so an utterance framed by
 * two seconds of silence gets as much noise *under its words* as one that fills the clip.
 */
import { activeSpeechLevel, meanSquare } from './dsp.ts';
import type { Rng } from './rng.ts';

/** Colours of synthetic noise, plus babble from other talkers. */
export type NoiseKind = 'white' | 'pink' | 'brown' | 'babble';

/** Options of {@link addNoise}. */
export interface NoiseOptions {
  /** Ratio of the active speech power ({@link activeSpeechLevel}) to the noise power, in dB. */
  snrDb: number;
  /** What to add. */
  kind: NoiseKind;
  /**
   * Other speech clips (16 kHz) to build babble from; required for `kind: 'babble'`. They should come
   * from speakers other than the clip's own, or babble leaks the speaker into the background.
   */
  babbleSources?: readonly Float32Array[];
}

/** Fewest and most talkers mixed into babble. */
export const BABBLE_TALKERS = [3, 6] as const;

/**
 * Samples run through the colouring filters before the output starts, so that their start-up transient
 * (the slowest pink pole has a time constant of ~900 samples) is not part of the noise.
 */
const WARMUP_SAMPLES = 8192;

/** Gaussian white noise, unit variance. */
export function whiteNoise(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal();
  return out;
}

/**
 * Pink (−3 dB/octave) noise by Paul Kellet's "refined" filter: seven one-pole sections whose sum
 * follows 1/f within ±0.05 dB from 9 Hz up at 44.1 kHz. The poles sit at fixed places in z, so at
 * 16 kHz the same accuracy holds from ~3 Hz to the Nyquist frequency. Scaled to unit variance.
 */
export function pinkNoise(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  for (let i = -WARMUP_SAMPLES; i < length; i++) {
    const w = rng.normal();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    const pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    if (i >= 0) out[i] = pink;
  }
  return normaliseVariance(out);
}

/**
 * Brown (−6 dB/octave) noise: white noise through a leaky integrator whose pole at 0.995 puts the
 * corner near 13 Hz, so the walk cannot drift off; the mean is removed and the variance normalised.
 */
export function brownNoise(length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  let b = 0;
  for (let i = -WARMUP_SAMPLES; i < length; i++) {
    b = 0.995 * b + rng.normal();
    if (i >= 0) out[i] = b;
  }
  return normaliseVariance(out);
}

/**
 * Babble: the sum of 3–6 talkers drawn from `sources` (distinct while there are enough of them), each
 * scaled to the same active level so no single voice dominates, started at a random offset and looped
 * to `length`. Scaled to unit mean square.
 */
export function babbleNoise(length: number, rng: Rng, sources: readonly Float32Array[]): Float32Array {
  const usable = sources.filter((s) => activeSpeechLevel(s).power > 0);
  if (usable.length === 0) throw new RangeError('babble noise needs at least one non-silent source clip');
  const talkers = rng.int(BABBLE_TALKERS[0], BABBLE_TALKERS[1]);
  const order = usable.map((_, i) => i);
  const acc = new Float64Array(length);
  for (let t = 0; t < talkers; t++) {
    // A partial Fisher–Yates shuffle picks distinct sources; past the pool size, sources repeat.
    const slot = t % order.length;
    const j = rng.int(slot, order.length - 1);
    [order[slot], order[j]] = [order[j]!, order[slot]!];
    const src = usable[order[slot]!]!;
    const gain = 1 / Math.sqrt(activeSpeechLevel(src).power);
    let k = rng.int(0, src.length - 1);
    for (let i = 0; i < length; i++) {
      acc[i]! += gain * src[k]!;
      if (++k === src.length) k = 0;
    }
  }
  return normaliseVariance(Float32Array.from(acc), false);
}

function normaliseVariance(x: Float32Array, removeMean = true): Float32Array {
  let mean = 0;
  if (removeMean && x.length > 0) {
    for (let i = 0; i < x.length; i++) mean += x[i]!;
    mean /= x.length;
  }
  let ms = 0;
  for (let i = 0; i < x.length; i++) ms += (x[i]! - mean) ** 2;
  ms = x.length > 0 ? ms / x.length : 0;
  const scale = ms > 0 ? 1 / Math.sqrt(ms) : 0;
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * scale;
  return x;
}

/** Noise of `kind` and `length`, unit mean square. */
export function makeNoise(
  kind: NoiseKind,
  length: number,
  rng: Rng,
  babbleSources?: readonly Float32Array[],
): Float32Array {
  switch (kind) {
    case 'white':
      return normaliseVariance(whiteNoise(length, rng));
    case 'pink':
      return pinkNoise(length, rng);
    case 'brown':
      return brownNoise(length, rng);
    case 'babble':
      if (!babbleSources || babbleSources.length === 0) {
        throw new TypeError("addNoise: kind 'babble' needs babbleSources");
      }
      return babbleNoise(length, rng, babbleSources);
    default:
      throw new TypeError(`unknown noise kind ${JSON.stringify(kind)}`);
  }
}

/**
 * Returns `x` plus noise scaled so that active speech power / noise power = `snrDb`, the noise power
 * being its mean square over the whole clip (the noise is stationary, or for babble looped). The sum
 * is not clipped: at low SNR a loud clip may exceed ±1, which {@link applyGain}'s soft clipper handles
 * if the chain needs the range. A silent clip has no speech level to refer to and comes back unchanged.
 *
 * @example
 * ```ts
 * const noisy = addNoise(clip, rng.fork('noise'), { snrDb: 10, kind: 'pink' });
 * ```
 */
export function addNoise(x: Float32Array, rng: Rng, options: NoiseOptions): Float32Array {
  if (!Number.isFinite(options.snrDb))
    throw new TypeError(`addNoise: snrDb must be finite, got ${options.snrDb}`);
  const out = Float32Array.from(x);
  const speech = activeSpeechLevel(x).power;
  if (speech === 0 || x.length === 0) return out;
  const noise = makeNoise(options.kind, x.length, rng, options.babbleSources);
  const noisePower = meanSquare(noise);
  if (noisePower === 0) return out;
  const gain = Math.sqrt(speech / (noisePower * 10 ** (options.snrDb / 10)));
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + gain * noise[i]!;
  return out;
}
