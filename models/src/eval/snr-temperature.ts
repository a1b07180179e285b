/**
 * Fitting a temperature that follows each window's estimated SNR (`snrTemperature` in a model's
 * config; `snrTemperatureFactor` applies it): given a base temperature T, the knee and slope of
 * T(window) = T x min(cap, 1 + slope x max(0, knee - snr)) that minimise the NLL of the clip
 * probabilities, each clip's probabilities the mean of its windows' (as `evaluate` and the server's
 * summaries compute them). The knee is searched over whole dB, the slope by golden section; the cap
 * is fixed. `npm run calibrate -- --snr-temperature` uses it on a user's own labelled audio.
 */
import { type SnrTemperature, snrTemperatureFactor } from '@emostream/shared/model/postprocess';
import { computeMetrics, goldenSectionMin, softmax } from './metrics.ts';

export interface SnrClip {
  /** Each window's logits. */
  windows: readonly (readonly number[])[];
  /** Each window's SNR estimate (dB; NaN or undefined: none). */
  snrDb: readonly (number | undefined)[];
  truth: number;
}

/** A clip's probabilities: the mean of its windows' calibrated probabilities. */
export function snrClipProbs(clip: SnrClip, temperature: number, s: SnrTemperature | undefined): number[] {
  const k = clip.windows[0]?.length ?? 0;
  const out = new Array<number>(k).fill(0);
  clip.windows.forEach((logits, w) => {
    const p = softmax(logits, temperature * snrTemperatureFactor(clip.snrDb[w], s));
    for (let j = 0; j < k; j++) out[j]! += p[j]! / clip.windows.length;
  });
  return out;
}

/** Mean NLL of the clips' true classes. */
export function snrNll(
  clips: readonly SnrClip[],
  temperature: number,
  s: SnrTemperature | undefined,
): number {
  let sum = 0;
  for (const c of clips) sum -= Math.log(Math.max(snrClipProbs(c, temperature, s)[c.truth]!, 1e-12));
  return clips.length ? sum / clips.length : 0;
}

/** The slope that minimises the NLL at this knee (golden section on [0, maxSlope]). */
export function fitSnrSlope(
  clips: readonly SnrClip[],
  temperature: number,
  kneeDb: number,
  maxFactor: number,
  maxSlope = 0.3,
): { slopePerDb: number; nll: number } {
  const at = (slopePerDb: number) => snrNll(clips, temperature, { kneeDb, slopePerDb, maxFactor });
  const slope = goldenSectionMin(at, 0, maxSlope, 40);
  // The search brackets an interior minimum; a flat or rising NLL ends at the edge, so compare with 0.
  const nll = at(slope);
  const none = at(0);
  return nll < none ? { slopePerDb: slope, nll } : { slopePerDb: 0, nll: none };
}

export interface SnrTemperatureFit {
  /** The fitted rule, or undefined when no knee and slope lowered the NLL. */
  snrTemperature: SnrTemperature | undefined;
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
  /** Share of windows below the fitted knee (0 without one). */
  windowsBelowKnee: number;
}

/**
 * Knee (whole dB in `knees`) and slope at the base temperature; `maxFactor` caps the factor. The NLL
 * must fall by at least `minGain` (nats per clip) for a rule to be returned.
 */
export function fitSnrTemperature(
  clips: readonly SnrClip[],
  temperature: number,
  classes: readonly string[],
  o: { knees?: readonly number[]; maxFactor?: number; minGain?: number } = {},
): SnrTemperatureFit {
  const knees = o.knees ?? Array.from({ length: 31 }, (_, i) => 5 + i);
  const maxFactor = o.maxFactor ?? 2;
  const minGain = o.minGain ?? 0.002;
  const nllBefore = snrNll(clips, temperature, undefined);
  let best: { kneeDb: number; slopePerDb: number; nll: number } | undefined;
  for (const kneeDb of knees) {
    const f = fitSnrSlope(clips, temperature, kneeDb, maxFactor);
    if (f.slopePerDb > 0 && (best === undefined || f.nll < best.nll)) best = { kneeDb, ...f };
  }
  const rule =
    best !== undefined && best.nll < nllBefore - minGain
      ? { kneeDb: best.kneeDb, slopePerDb: best.slopePerDb, maxFactor }
      : undefined;
  const ece = (s: SnrTemperature | undefined) =>
    computeMetrics(
      clips.map((c) => snrClipProbs(c, temperature, s)),
      clips.map((c) => c.truth),
      classes,
    ).ece;
  const all = clips.flatMap((c) => c.snrDb);
  const below = rule ? all.filter((x) => x !== undefined && Number.isFinite(x) && x < rule.kneeDb).length : 0;
  return {
    snrTemperature: rule,
    nllBefore,
    nllAfter: rule ? best!.nll : nllBefore,
    eceBefore: ece(undefined),
    eceAfter: ece(rule),
    windowsBelowKnee: all.length ? below / all.length : 0,
  };
}
