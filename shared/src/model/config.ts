/**
 * The model package contract (`models/<name>/config.json`): everything the server, `analyze` and
 * `evaluate` need to turn audio into the exact inputs the model was trained on and its outputs into
 * calibrated probabilities. Validated with zod at load time so that a broken package fails loudly.
 */
import { z } from 'zod';

const featureOptions = z
  .object({
    sampleRate: z.literal(16000),
    winLength: z.number().int().positive(),
    hopLength: z.number().int().positive(),
    nFft: z.number().int().positive(),
    window: z.enum(['hann', 'hamming']),
    nMels: z.number().int().positive(),
    fMinHz: z.number().min(0),
    fMaxHz: z.number().positive().nullable(),
    nMfcc: z.number().int().positive(),
    deltaWidth: z.number().int().positive(),
    amin: z.number().positive(),
    melFloorDb: z.number().positive().nullable(),
    pitchNoiseFloorMs: z.number().positive().nullable(),
    pitchOctaveCheck: z.boolean(),
    features: z.array(z.string()).min(1),
  })
  .partial()
  .extend({ features: z.array(z.string()).min(1) });

/** How an ensemble combines its members: their logits averaged, or their probabilities. */
export const ENSEMBLE_COMBINES = ['mean-logit', 'mean-prob'] as const;
export type EnsembleCombine = (typeof ENSEMBLE_COMBINES)[number];

export const modelConfigSchema = z.object({
  /** Identifier reported in every emotion event. */
  id: z.string().min(1),
  createdAt: z.string(),
  labelSet: z.string(),
  /** Output classes in model order. */
  classes: z.array(z.string()).min(2),
  architecture: z.string(),
  /** ONNX file name inside the package, input and output tensor names. */
  onnx: z.object({ file: z.string(), input: z.string(), output: z.string() }),
  features: featureOptions,
  vad: z
    .object({
      frameSamples: z.number().int(),
      positiveThreshold: z.number(),
      negativeThreshold: z.number(),
      redemptionMs: z.number(),
      preSpeechPadMs: z.number(),
      minSpeechMs: z.number(),
    })
    .partial(),
  window: z.object({
    windowFrames: z.number().int().positive(),
    hopFrames: z.number().int().positive(),
    padValue: z.number(),
    tailPadFrames: z.number().int().min(0),
  }),
  normalizer: z.object({
    priorMean: z.array(z.number()),
    priorStd: z.array(z.number()),
    priorFrames: z.number().min(0),
  }),
  /**
   * What the network reads: the normalised window itself (`none`), its per-dimension statistics
   * (`stats`, see `analysis/window-stats.ts`, computed in the pipeline before inference), or both
   * (`frames+stats`: the window's frames row by row, then its statistics, in one flat vector; an
   * ensemble whose members read one or the other slices its part out inside the graph).
   */
  inputTransform: z.enum(['none', 'stats', 'frames+stats']).default('none'),
  /** Loudness gate of the `stats` transform (see `StatsGate`); absent = every frame counts. */
  statsGate: z
    .object({
      dims: z.number().int().positive(),
      below: z.number().positive(),
      minFrames: z.number().int().min(1),
    })
    .optional(),
  /**
   * Voiced-only statistics of the `stats` transform (see `StatsVoicing`): index of the F0 dimension
   * in the frame vector; absent = F0 is summarised over every frame like any other dimension.
   */
  statsVoicing: z.object({ f0: z.number().int().min(0) }).optional(),
  /**
   * Contour descriptors of the `stats` transform (see `StatsContour`): the F0 dimension's index and
   * the dimensions whose trend is described; absent = none.
   */
  statsContour: z
    .object({ f0: z.number().int().min(0).optional(), dims: z.array(z.number().int().min(0)) })
    .optional(),
  /** The `stats` transform summarises speech rows only, not the pause around them (see `StatsOptions`). */
  statsSpeechOnly: z.boolean().optional(),
  /**
   * An ensemble's combination of its members (`npm run ensemble --combine`): the mean of their logits
   * (absent: the default), or the log of the mean of their probabilities, so that the softmax of the
   * model's output is that mean and the temperature applies after it.
   */
  ensembleCombine: z.enum(ENSEMBLE_COMBINES).optional(),
  /** Softmax temperature fitted on the validation speakers. */
  temperature: z.number().positive(),
  /**
   * Softmax temperature of early windows (a stream's `options.earlyMs`), fitted on the validation
   * speakers' early windows: they hear less speech and are less accurate, so the full windows'
   * temperature would make them over-confident. Absent: `temperature`.
   */
  earlyTemperature: z.number().positive().optional(),
  /**
   * The temperature follows each window's estimated signal-to-noise ratio (`snrTemperatureFactor`):
   * unchanged at and above `kneeDb`, raised by `slopePerDb` per dB below it, at most `maxFactor` times.
   * Absent: one temperature whatever the noise.
   */
  snrTemperature: z
    .object({
      kneeDb: z.number(),
      slopePerDb: z.number().min(0),
      maxFactor: z.number().min(1),
    })
    .optional(),
  /** Below this confidence an event is flagged `uncertain` (seed 003 uses 0.55). */
  uncertainThreshold: z.number().min(0).max(1),
  /** How a clip's window probabilities combine into one clip decision. */
  clipAggregation: z.enum(['mean-prob', 'mean-logit']),
  training: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  /** Set by `npm run calibrate`: the labelled audio the temperature was refitted on, figures before and after. */
  calibration: z.record(z.string(), z.unknown()).optional(),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Parses and validates a model config, with the offending path in the error message. */
export function parseModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  const r = modelConfigSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid model config ${source}: ${issues}`);
  }
  const c = r.data;
  const dim = c.normalizer.priorMean.length;
  if (c.normalizer.priorStd.length !== dim)
    throw new Error(`invalid model config ${source}: prior sizes differ`);
  return c;
}
