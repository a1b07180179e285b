/**
 * From model logits to what users see: temperature-scaled softmax probabilities, the top label, its
 * confidence, and the `uncertain` flag below the threshold. The server, `analyze` and `evaluate` all
 * call this, so calibration is applied identically everywhere.
 */

export interface EmotionScores {
  /** Probability per class, in model class order. */
  probs: number[];
  label: string;
  confidence: number;
  uncertain: boolean;
}

/** Temperature-scaled softmax of one logit row. */
export function calibratedProbs(logits: ArrayLike<number>, temperature: number): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, logits[j]! / temperature);
  const out = new Array<number>(logits.length);
  let sum = 0;
  for (let j = 0; j < logits.length; j++) {
    out[j] = Math.exp(logits[j]! / temperature - max);
    sum += out[j]!;
  }
  for (let j = 0; j < logits.length; j++) out[j]! /= sum;
  return out;
}

/**
 * How a model's temperature follows a window's estimated signal-to-noise ratio (`FeatureWindow.snrDb`):
 * unchanged at and above `kneeDb`, and below it raised by `slopePerDb` per dB under the knee, at most
 * to `maxFactor` times. Noise makes the network over-confident (validation speakers at 10 dB SNR:
 * confidence 7 points above accuracy at the temperature that fits clean audio), so noisier windows get
 * a softer softmax. Fitted on the validation speakers under the channels the temperature is fitted
 * over (`models/experiments/README.md`, session 16).
 */
export interface SnrTemperature {
  kneeDb: number;
  slopePerDb: number;
  maxFactor: number;
}

/** The factor on the temperature for a window with this SNR estimate (1 when there is none). */
export function snrTemperatureFactor(snrDb: number | undefined, s: SnrTemperature | undefined): number {
  if (s === undefined || snrDb === undefined || !Number.isFinite(snrDb) || snrDb >= s.kneeDb) return 1;
  return Math.min(s.maxFactor, 1 + s.slopePerDb * (s.kneeDb - snrDb));
}

/**
 * The temperature for a window of this kind and SNR estimate: early windows have their own when the
 * model has one, and a model with `snrTemperature` raises it for noisy windows.
 */
export function windowTemperature(
  config: {
    temperature: number;
    earlyTemperature?: number | undefined;
    snrTemperature?: SnrTemperature | undefined;
  },
  kind: string,
  snrDb?: number,
): number {
  const base = kind === 'early' ? (config.earlyTemperature ?? config.temperature) : config.temperature;
  return base * snrTemperatureFactor(snrDb, config.snrTemperature);
}

/** The decision for a probability row. */
export function decide(
  probs: number[],
  classes: readonly string[],
  uncertainThreshold: number,
): EmotionScores {
  let best = 0;
  for (let j = 1; j < probs.length; j++) if (probs[j]! > probs[best]!) best = j;
  const confidence = probs[best]!;
  return { probs, label: classes[best]!, confidence, uncertain: confidence < uncertainThreshold };
}

/** Mean of probability rows (how a clip's or a summary's windows combine). */
export function meanProbs(rows: readonly number[][]): number[] {
  if (rows.length === 0) return [];
  const k = rows[0]!.length;
  const out = new Array<number>(k).fill(0);
  for (const r of rows) for (let j = 0; j < k; j++) out[j]! += r[j]! / rows.length;
  return out;
}
