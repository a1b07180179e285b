/**
 * Waveform augmentation for speech-emotion training. Every function takes a 16 kHz mono clip and
 * returns a new array (inputs are never modified), and every random choice comes from an {@link Rng},
 * so a seed reproduces an augmented epoch exactly. {@link augmentWaveform} chains them by a
 * {@link WaveformPolicy}; the building blocks are re-exported here so callers need one import.
 *
 * The augmentations target what differs between the training corpora (acted, studio-quiet, a few
 * dozen speakers) and deployment (unseen speakers and languages, phone calls, laptop microphones):
 * level, background noise, room, narrow-band codecs, speaking rate and voice pitch, and where the
 * feature pipeline's analysis windows fall on the words.
 *
 * @example
 * ```ts
 * const rng = new Rng(seed).fork(`epoch${epoch}`).fork(clipId);
 * const { samples, description } = await augmentWaveform(clip, rng, {}, { babbleSources });
 * log.debug(`${clipId}: ${description}`);
 * ```
 */
import { reverb, telephone } from './channel.ts';
import { applyGain } from './gain.ts';
import { addNoise, type NoiseKind } from './noise.ts';
import type { Rng } from './rng.ts';
import { timeShift } from './shift.ts';
import { pitchShift, speedPerturb } from './tempo.ts';

export type { ReverbOptions, TelephoneOptions } from './channel.ts';
export { reverb, roomImpulseResponse, telephone } from './channel.ts';
export { activeSpeechLevel } from './dsp.ts';
export { applyGain, SOFT_CLIP_KNEE } from './gain.ts';
export type { NoiseKind, NoiseOptions } from './noise.ts';
export { addNoise } from './noise.ts';
export type { TimeShiftOptions } from './shift.ts';
export { timeShift } from './shift.ts';
export { pitchShift, speedPerturb, timeStretch } from './tempo.ts';

/** A closed interval [min, max] parameters are drawn from uniformly. */
export type Range = readonly [min: number, max: number];

/** Probabilities and parameter ranges of {@link augmentWaveform}; each stage fires independently. */
export interface WaveformPolicy {
  /** Random padding at each end, up to `maxShiftS` seconds (see {@link timeShift}). */
  timeShift: { p: number; maxShiftS: number };
  /** Speed perturbation: tempo and pitch together by `factor` (see {@link speedPerturb}). */
  speed: { p: number; factor: Range };
  /** Pitch shift keeping tempo (see {@link pitchShift}); skipped when speed already fired. */
  pitch: { p: number; semitones: Range };
  /** Synthetic room (see {@link reverb}). */
  reverb: { p: number; rt60S: Range; drrDb: Range };
  /**
   * Additive noise at an active-speech SNR (see {@link addNoise}); `kinds` weights the noise colours.
   * Babble is only drawn when the call supplies babble sources; its weight is otherwise ignored.
   */
  noise: { p: number; snrDb: Range; kinds: Readonly<Record<NoiseKind, number>> };
  /** Phone channel (see {@link telephone}); A-law instead of mu-law with probability `alawP`. */
  telephone: { p: number; maxTiltDb: number; alawP: number };
  /** Level change with soft clipping (see {@link applyGain}). */
  gain: { p: number; db: Range };
}

/** Per-stage overrides, merged field by field over {@link defaultWaveformPolicy}. */
export type WaveformPolicyOverrides = { [K in keyof WaveformPolicy]?: Partial<WaveformPolicy[K]> };

/**
 * Default policy for speech-emotion recognition. About 97% of clips get at least one stage; the
 * expected chain has 2.5 stages. The reasoning, stage by stage:
 * - **timeShift** p 0.5, ≤ 0.25 s: cheap, label-safe, and stops the model keying on window alignment.
 * - **speed** p 0.5, ×0.9–1.1: Kaldi's range, the standard for speaker robustness. It moves F0 by at
 *   most ±1.65 semitones and the rate by ±10%; both are emotion cues (anger and joy raise F0 by 2–6
 *   semitones and speed up speech, sadness lowers and slows it), so the range stays inside normal
 *   speaker-to-speaker variation and well below the emotional effect. Wider ranges relabel emotions.
 * - **pitch** p 0.2, ±1.5 semitones, never together with speed: simulates a differently pitched
 *   speaker at the same rate; the mutual exclusion caps the total F0 change at ±1.65 semitones.
 * - **reverb** p 0.2, RT60 0.2–0.8 s, DRR 0–10 dB: offices and living rooms at laptop distances.
 *   Reverberation blurs the energy contour and voice quality cues, so it is kept to a minority.
 * - **noise** p 0.5, SNR 5–30 dB: 5 dB is a noisy café yet still intelligible; babble gets the largest
 *   weight because competing talkers are both common and the hardest case (they carry prosody of their
 *   own); white and pink stand for fans and hiss, brown for rumble and traffic.
 * - **telephone** p 0.2 (30% of them A-law), tilt ±4 dB: the narrow band removes the fricative energy
 *   above 3.4 kHz and the low F0 harmonics below 300 Hz the model would otherwise rely on.
 * - **gain** p 0.5, ±6 dB: absolute level depends on microphone distance and AGC, not on emotion, so
 *   the model must use relative loudness; soft clipping keeps loud angry clips in range.
 */
export const defaultWaveformPolicy: WaveformPolicy = Object.freeze({
  timeShift: { p: 0.5, maxShiftS: 0.25 },
  speed: { p: 0.5, factor: [0.9, 1.1] as const },
  pitch: { p: 0.2, semitones: [-1.5, 1.5] as const },
  reverb: { p: 0.2, rt60S: [0.2, 0.8] as const, drrDb: [0, 10] as const },
  noise: { p: 0.5, snrDb: [5, 30] as const, kinds: { white: 0.15, pink: 0.25, brown: 0.1, babble: 0.5 } },
  telephone: { p: 0.2, maxTiltDb: 4, alawP: 0.3 },
  gain: { p: 0.5, db: [-6, 6] as const },
});

function checkP(stage: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new TypeError(`WaveformPolicy.${stage}.p must be in [0, 1], got ${p}`);
}

function checkRange(
  name: string,
  r: Range,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): void {
  const [a, b] = r;
  if (!(Number.isFinite(a) && Number.isFinite(b) && a <= b && a >= min && b <= max)) {
    throw new TypeError(
      `WaveformPolicy.${name} must be a range [min, max] within [${min}, ${max}], got [${a}, ${b}]`,
    );
  }
}

/** Merges `overrides` over {@link defaultWaveformPolicy} and validates the result. */
export function resolveWaveformPolicy(overrides: WaveformPolicyOverrides = {}): WaveformPolicy {
  const d = defaultWaveformPolicy;
  const policy: WaveformPolicy = {
    timeShift: { ...d.timeShift, ...overrides.timeShift },
    speed: { ...d.speed, ...overrides.speed },
    pitch: { ...d.pitch, ...overrides.pitch },
    reverb: { ...d.reverb, ...overrides.reverb },
    noise: { ...d.noise, ...overrides.noise },
    telephone: { ...d.telephone, ...overrides.telephone },
    gain: { ...d.gain, ...overrides.gain },
  };
  for (const stage of Object.keys(policy) as (keyof WaveformPolicy)[]) checkP(stage, policy[stage].p);
  if (!(policy.timeShift.maxShiftS >= 0 && policy.timeShift.maxShiftS <= 10)) {
    throw new TypeError(
      `WaveformPolicy.timeShift.maxShiftS must be in [0, 10], got ${policy.timeShift.maxShiftS}`,
    );
  }
  checkRange('speed.factor', policy.speed.factor, 0.5, 2);
  checkRange('pitch.semitones', policy.pitch.semitones, -12, 12);
  checkRange('reverb.rt60S', policy.reverb.rt60S, 0.01, 5);
  checkRange('reverb.drrDb', policy.reverb.drrDb, -30, 40);
  checkRange('noise.snrDb', policy.noise.snrDb, -20, 80);
  checkRange('gain.db', policy.gain.db, -60, 40);
  for (const [kind, w] of Object.entries(policy.noise.kinds)) {
    if (!(w >= 0 && Number.isFinite(w)))
      throw new TypeError(`WaveformPolicy.noise.kinds.${kind} must be >= 0`);
  }
  if (!(policy.telephone.maxTiltDb >= 0 && policy.telephone.maxTiltDb <= 12)) {
    throw new TypeError(
      `WaveformPolicy.telephone.maxTiltDb must be in [0, 12], got ${policy.telephone.maxTiltDb}`,
    );
  }
  checkP('telephone.alaw', policy.telephone.alawP);
  return policy;
}

/** One applied augmentation with the parameters drawn for it, in the order applied. */
export type AugmentationStep =
  | { kind: 'timeShift'; leadSamples: number; trailSamples: number }
  | { kind: 'speed'; factor: number }
  | { kind: 'pitch'; semitones: number }
  | { kind: 'reverb'; rt60S: number; drrDb: number }
  | { kind: 'noise'; noise: NoiseKind; snrDb: number }
  | { kind: 'telephone'; codec: 'mulaw' | 'alaw'; tiltDb: number }
  | { kind: 'gain'; db: number }
  | { kind: 'softClip'; peak: number };

/** Result of {@link augmentWaveform}. */
export interface AugmentedClip {
  /** The augmented 16 kHz clip (a new array; longer or shorter than the input after shift or speed). */
  samples: Float32Array;
  /** What was applied, in order; empty when no stage fired. */
  steps: AugmentationStep[];
  /** {@link describeSteps} of `steps`, for logs. */
  description: string;
}

const f = (v: number, digits: number): string => (v >= 0 ? '+' : '') + v.toFixed(digits);

function describeStep(s: AugmentationStep): string {
  switch (s.kind) {
    case 'timeShift':
      return `shift ${(s.leadSamples / 16000).toFixed(3)}s/${(s.trailSamples / 16000).toFixed(3)}s`;
    case 'speed':
      return `speed ×${s.factor.toFixed(3)}`;
    case 'pitch':
      return `pitch ${f(s.semitones, 2)} st`;
    case 'reverb':
      return `reverb rt60 ${s.rt60S.toFixed(2)}s drr ${s.drrDb.toFixed(1)} dB`;
    case 'noise':
      return `noise ${s.noise} ${s.snrDb.toFixed(1)} dB`;
    case 'telephone':
      return `telephone ${s.codec} tilt ${f(s.tiltDb, 1)} dB`;
    case 'gain':
      return `gain ${f(s.db, 1)} dB`;
    case 'softClip':
      return `soft clip (peak ${s.peak.toFixed(2)})`;
  }
}

/** One-line summary of a chain, e.g. `speed ×1.043 → noise pink 12.3 dB → gain -3.4 dB`, or `clean`. */
export function describeSteps(steps: readonly AugmentationStep[]): string {
  return steps.length === 0 ? 'clean' : steps.map(describeStep).join(' → ');
}

const draw = (rng: Rng, [a, b]: Range): number => rng.uniform(a, b);

/** Context of one {@link augmentWaveform} call. */
export interface AugmentContext {
  /** Speech clips of *other* speakers for babble noise; without them babble is never chosen. */
  babbleSources?: readonly Float32Array[];
}

function pickNoiseKind(
  rng: Rng,
  weights: Readonly<Record<NoiseKind, number>>,
  babble: boolean,
): NoiseKind | null {
  const kinds = (Object.keys(weights) as NoiseKind[]).filter(
    (k) => (k !== 'babble' || babble) && weights[k] > 0,
  );
  const total = kinds.reduce((s, k) => s + weights[k], 0);
  if (total === 0) return null;
  let u = rng.uniform(0, total);
  for (const k of kinds) {
    u -= weights[k];
    if (u < 0) return k;
  }
  return kinds[kinds.length - 1] ?? null;
}

/**
 * Applies a random chain by `policy` (overrides merged over {@link defaultWaveformPolicy}) in the order
 * a signal meets them: time shift, then the voice (speed or pitch), the room (reverb), the background
 * (noise), the line (telephone) and the level (gain). It draws once from `rng` to seed the chain, so
 * reusing one generator gives every call a different chain; each stage then uses its own
 * {@link Rng.fork}, so changing one stage's probability does not change what the others draw.
 * The output never leaves [−1, 1]: should noise or reverb push a peak beyond ±1 the soft clipper of
 * {@link applyGain} is applied at 0 dB (logged as a `softClip` step).
 */
export async function augmentWaveform(
  x: Float32Array,
  rng: Rng,
  overrides: WaveformPolicyOverrides = {},
  context: AugmentContext = {},
): Promise<AugmentedClip> {
  const policy = resolveWaveformPolicy(overrides);
  const base = rng.split();
  const steps: AugmentationStep[] = [];
  let y: Float32Array = Float32Array.from(x);

  let r = base.fork('timeShift');
  if (r.chance(policy.timeShift.p)) {
    const shifted = timeShift(y, r, { maxShiftS: policy.timeShift.maxShiftS });
    y = shifted.samples;
    steps.push({ kind: 'timeShift', leadSamples: shifted.leadSamples, trailSamples: shifted.trailSamples });
  }
  r = base.fork('speed');
  const speedFires = r.chance(policy.speed.p);
  if (speedFires) {
    const factor = draw(r, policy.speed.factor);
    y = await speedPerturb(y, factor);
    steps.push({ kind: 'speed', factor });
  }
  r = base.fork('pitch');
  if (r.chance(policy.pitch.p) && !speedFires) {
    const semitones = draw(r, policy.pitch.semitones);
    y = await pitchShift(y, semitones);
    steps.push({ kind: 'pitch', semitones });
  }
  r = base.fork('reverb');
  if (r.chance(policy.reverb.p)) {
    const rt60S = draw(r, policy.reverb.rt60S);
    const drrDb = draw(r, policy.reverb.drrDb);
    y = reverb(y, r, { rt60S, drrDb });
    steps.push({ kind: 'reverb', rt60S, drrDb });
  }
  r = base.fork('noise');
  if (r.chance(policy.noise.p)) {
    const sources = context.babbleSources ?? [];
    const kind = pickNoiseKind(r, policy.noise.kinds, sources.length > 0);
    if (kind !== null) {
      const snrDb = draw(r, policy.noise.snrDb);
      y = addNoise(y, r, { snrDb, kind, babbleSources: sources });
      steps.push({ kind: 'noise', noise: kind, snrDb });
    }
  }
  r = base.fork('telephone');
  if (r.chance(policy.telephone.p)) {
    const codec = r.chance(policy.telephone.alawP) ? 'alaw' : 'mulaw';
    const tiltDb = r.uniform(-policy.telephone.maxTiltDb, policy.telephone.maxTiltDb);
    y = await telephone(y, r, { codec, tiltDb });
    steps.push({ kind: 'telephone', codec, tiltDb });
  }
  r = base.fork('gain');
  if (r.chance(policy.gain.p)) {
    const db = draw(r, policy.gain.db);
    y = applyGain(y, db);
    steps.push({ kind: 'gain', db });
  }
  const peak = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (peak > 1) {
    y = applyGain(y, 0);
    steps.push({ kind: 'softClip', peak });
  }
  return { samples: y, steps, description: describeSteps(steps) };
}
