/**
 * Channel simulations: a narrow-band telephone call and a synthetic room.
 */
import { decodePcm, encodePcm } from '@emostream/shared/audio/pcm';
import { resampleOffline } from '@emostream/shared/audio/resample';
import {
  activeSpeechLevel,
  butterworth,
  fftConvolve,
  filterCascade,
  meanSquare,
  SAMPLE_RATE,
  shelf,
} from './dsp.ts';
import type { Rng } from './rng.ts';

/** Options of {@link telephone}. */
export interface TelephoneOptions {
  /** Lower band edge, Hz (8th-order Butterworth high-pass). Default 300, the G.712 band edge. */
  lowHz: number;
  /** Upper band edge, Hz (6th-order Butterworth low-pass, then the 8 kHz resampler's own). Default 3400. */
  highHz: number;
  /** G.711 companding law. Default `'mulaw'` (North America, Japan); `'alaw'` is the European one. */
  codec: 'mulaw' | 'alaw';
  /**
   * Spectral tilt in dB: a high shelf at 1 kHz of `tiltDb` with −`tiltDb`/2 of broadband gain, so the
   * band keeps its level while its top end is brighter (> 0) or duller (< 0), as handsets differ. When
   * undefined it is drawn uniformly from ±{@link maxTiltDb} if an `rng` is given, else 0.
   */
  tiltDb?: number;
  /** Largest random tilt, dB. Default 4. */
  maxTiltDb: number;
  /**
   * Active speech level (dBFS, {@link activeSpeechLevel}) the codec sees; the level is restored after
   * decoding. Default −26, the nominal level of a call (ITU-T P.56 practice, 26 dB under overload),
   * which a handset's AGC and the network's level control maintain. G.711's noise is only roughly
   * level-independent: a −45 dBFS whisper from the corpus coded as is would sit in A-law's coarse
   * bottom segment at ~25 dB SNR, a worse line than real calls. `null` codes the clip at its own level.
   */
  codecLevelDb: number | null;
}

/** Default {@link TelephoneOptions}. */
export const defaultTelephoneOptions: TelephoneOptions = Object.freeze({
  lowHz: 300,
  highHz: 3400,
  codec: 'mulaw' as const,
  maxTiltDb: 4,
  codecLevelDb: -26,
});

/** Rate of the narrow-band leg. */
const TELEPHONE_RATE = 8000;

/**
 * The channel of a narrow-band phone call, at 16 kHz in and out: optional EQ tilt, band-pass
 * 300–3400 Hz, resampling to 8 kHz, G.711 encode and decode at a nominal call level (≈ 41 dB of
 * active-speech SNR against the quantisation noise, on RAVDESS, for either law), and back to 16 kHz at
 * the original level. The resamplers are zero-phase, so the output stays aligned with the input and
 * has its length. Nothing is left above 4 kHz, as on a real call, which teaches a model not to lean on
 * the fricative band it will not get from a phone.
 *
 * @example
 * ```ts
 * const call = await telephone(clip, rng.fork('telephone'));
 * ```
 */
export async function telephone(
  x: Float32Array,
  rng?: Rng,
  options: Partial<TelephoneOptions> = {},
): Promise<Float32Array> {
  const o = { ...defaultTelephoneOptions, ...options };
  if (!(o.lowHz > 0 && o.lowHz < o.highHz && o.highHz < TELEPHONE_RATE / 2)) {
    throw new RangeError(`telephone band ${o.lowHz}–${o.highHz} Hz must satisfy 0 < low < high < 4000`);
  }
  if (x.length === 0) return new Float32Array(0);
  const tiltDb = o.tiltDb ?? (rng ? rng.uniform(-o.maxTiltDb, o.maxTiltDb) : 0);
  const sections = [...butterworth('high', o.lowHz, 8), ...butterworth('low', o.highHz, 6)];
  if (tiltDb !== 0) sections.push(shelf('high', 1000, tiltDb));
  let band = filterCascade(x, sections);
  if (tiltDb !== 0) {
    const g = 10 ** (-tiltDb / 40);
    for (let i = 0; i < band.length; i++) band[i] = band[i]! * g;
  }
  const narrow = await resampleOffline(band, SAMPLE_RATE, TELEPHONE_RATE, 'medium');
  const active = activeSpeechLevel(narrow, TELEPHONE_RATE / 50).power;
  const level = o.codecLevelDb === null || active === 0 ? 1 : 10 ** (o.codecLevelDb / 20) / Math.sqrt(active);
  for (let i = 0; i < narrow.length; i++) narrow[i] = narrow[i]! * level;
  const coded = decodePcm(encodePcm(narrow, o.codec), o.codec);
  for (let i = 0; i < coded.length; i++) coded[i] = coded[i]! / level;
  band = await resampleOffline(coded, TELEPHONE_RATE, SAMPLE_RATE, 'medium');
  // 16000 → 8000 → 16000 rounds an odd length up by one sample.
  const out = new Float32Array(x.length);
  out.set(band.subarray(0, x.length));
  return out;
}

/** Options of {@link roomImpulseResponse} and {@link reverb}. */
export interface ReverbOptions {
  /** Time for the reverberant tail to decay by 60 dB, seconds (0.2 small office, 0.8 large room). */
  rt60S: number;
  /**
   * Direct-to-reverberant energy ratio, dB: high near the microphone, near 0 at a few metres. When
   * undefined it is drawn uniformly from 0–10 dB, the range of a talker 0.5–2 m from a laptop.
   */
  drrDb?: number;
}

/** Natural log of 10³: an amplitude envelope exp(−6.91·t/RT60) falls by 60 dB at RT60. */
const LN_1000 = 3 * Math.LN10;

/**
 * A synthetic room impulse response: a unit direct path at sample 0 (so the reverberant copy stays
 * aligned with the dry clip), silence until the first reflection 2–10 ms later, then Gaussian noise
 * under an exponential envelope that falls 60 dB in `rt60S` counted from the direct sound, scaled to
 * the requested direct-to-reverberant ratio, cut at −60 dB. The whole response has unit energy.
 * Decay is the same at all frequencies (real rooms lose the highs faster); this is the classic
 * "exponentially decaying noise" model, enough to smear onsets and fill pauses the way rooms do.
 */
export function roomImpulseResponse(rng: Rng, options: ReverbOptions): Float32Array {
  const { rt60S } = options;
  if (!(rt60S > 0 && rt60S <= 5)) throw new RangeError(`rt60S must be in (0, 5] s, got ${rt60S}`);
  const drrDb = options.drrDb ?? rng.uniform(0, 10);
  if (!Number.isFinite(drrDb)) throw new RangeError(`drrDb must be finite, got ${drrDb}`);
  const first = rng.int(Math.round(0.002 * SAMPLE_RATE), Math.round(0.01 * SAMPLE_RATE));
  const length = Math.max(first + 1, Math.ceil(rt60S * SAMPLE_RATE));
  const h = new Float64Array(length);
  const decayPerSample = LN_1000 / (rt60S * SAMPLE_RATE);
  let tailEnergy = 0;
  for (let i = first; i < length; i++) {
    h[i] = rng.normal() * Math.exp(-decayPerSample * i);
    tailEnergy += h[i]! * h[i]!;
  }
  const tailGain = Math.sqrt(10 ** (-drrDb / 10) / tailEnergy);
  for (let i = first; i < length; i++) h[i]! *= tailGain;
  h[0] = 1;
  const norm = 1 / Math.sqrt(1 + 10 ** (-drrDb / 10));
  return Float32Array.from(h, (v) => v * norm);
}

/**
 * Reverberation: `x` convolved (FFT overlap-add) with a {@link roomImpulseResponse}, cut to the input
 * length (the tail beyond the end of the clip is dropped, so labels and windows keep their timing) and
 * scaled to the input's mean square, so the level the model sees does not depend on the room.
 *
 * @example
 * ```ts
 * const roomy = reverb(clip, rng.fork('reverb'), { rt60S: 0.5 });
 * ```
 */
export function reverb(x: Float32Array, rng: Rng, options: ReverbOptions): Float32Array {
  const h = roomImpulseResponse(rng, options);
  const y = fftConvolve(x, h, x.length);
  const before = meanSquare(x);
  const after = meanSquare(y);
  if (after > 0) {
    const g = Math.sqrt(before / after);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
  }
  return y;
}
