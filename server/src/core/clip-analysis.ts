/**
 * Offline analysis of one recording with the live pipeline's core: the same analyser, the same
 * engine and the same post-processing as a stream, fed in 20 ms chunks. `analyze` and `evaluate`
 * use it; a session state lets consecutive recordings of one speaker share normalisation, as one
 * call would.
 */
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { type Bandwidth, type VadEvent, type VadMode, vadModeFor } from '@emostream/shared/analysis/vad';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import {
  calibratedProbs,
  decide,
  type EmotionScores,
  meanProbs,
  windowTemperature,
} from '@emostream/shared/model/postprocess';
import { type ModelPackage, modelInput } from '../engine/model-package.ts';
import type { SileroVad } from '../vad/silero.ts';
import { type BandDecision, bandSwitch, StreamAnalyzer } from './stream-analyzer.ts';

export interface WindowResult extends EmotionScores {
  index: number;
  kind: FeatureWindow['kind'];
  segment: number;
  startMs: number;
  endMs: number;
  logits: number[];
  /** The window's estimated signal-to-noise ratio, dB (`FeatureWindow.snrDb`). */
  snrDb?: number;
}

export interface ClipResult {
  durationS: number;
  windows: WindowResult[];
  vad: VadEvent[];
  /** Mean of the window probabilities and its decision; null when no speech was found. */
  clip: EmotionScores | null;
  /** Normaliser state after the clip (pass it to the speaker's next clip). */
  session: NormalizerState;
  /** The band detection's decision, when it ran and decided: the first, or a later switch to narrowband. */
  band?: BandDecision;
}

export interface ClipOptions {
  vad: SileroVad;
  session?: NormalizerState;
  /** Samples per push (320 = 20 ms, as live clients send). */
  chunkSamples?: number;
  uncertainThreshold?: number;
  /**
   * Cut an early window per segment after this much of it (ms; see the windower), as a live stream
   * with `options.earlyMs` does. Early windows are returned but left out of the clip's mean.
   */
  earlyMs?: number;
  /**
   * The band the recording carries (default wideband): narrowband runs the VAD in Silero's 8 kHz mode,
   * as a narrowband stream does (`vadModeFor`; `bandwidthOfRate` gives a file's from its rate).
   */
  bandwidth?: Bandwidth;
  /**
   * With a wideband start, find out from the audio whether it is telephone audio and switch the VAD
   * to the 8 kHz mode if so, as a stream with `bandwidth: "auto"` above 8 kHz does (`BandSwitch`).
   */
  detectBandwidth?: boolean;
}

/** Analyses 16 kHz mono samples. */
export async function analyzeSamples(
  samples: Float32Array,
  pkg: ModelPackage,
  o: ClipOptions,
): Promise<ClipResult> {
  const mode = vadModeFor(o.bandwidth ?? 'wideband', pkg.analyzer.vad);
  const analyzerConfig = {
    ...pkg.analyzer,
    vad: mode.options,
    ...(o.earlyMs ? { window: { ...pkg.analyzer.window, earlyFrames: Math.round(o.earlyMs / 10) } } : {}),
  };
  const vadFor = (rate: VadMode['rate']) => {
    const state = o.vad.newState();
    return async (f: Float32Array) => (await o.vad.run([f], [state], rate))[0]!;
  };
  const detect = o.detectBandwidth === true && mode.rate === 16000;
  const analyzer = new StreamAnalyzer(analyzerConfig, vadFor(mode.rate), {
    session: o.session,
    ...(detect ? { bandSwitch: bandSwitch(pkg.analyzer.vad, vadFor) } : {}),
  });
  let band: BandDecision | undefined;
  const chunk = o.chunkSamples ?? 320;
  const windows: FeatureWindow[] = [];
  const vad: VadEvent[] = [];
  for (let pos = 0; pos < samples.length; pos += chunk) {
    const r = await analyzer.push(samples.subarray(pos, Math.min(samples.length, pos + chunk)));
    windows.push(...r.windows);
    vad.push(...r.vad);
    // The first decision, or the later switch to narrowband when the watch found one.
    for (const d of r.bands) if (band === undefined || d.bandwidth === 'narrowband') band = d;
  }
  const r = await analyzer.end();
  windows.push(...r.windows);
  vad.push(...r.vad);

  const { config, engine } = pkg;
  const threshold = o.uncertainThreshold ?? config.uncertainThreshold;
  const results: WindowResult[] = [];
  const size = engine.inputSize;
  const batch = 32;
  for (let i = 0; i < windows.length; i += batch) {
    const part = windows.slice(i, i + batch);
    const input = new Float32Array(part.length * size);
    part.forEach((w, j) => {
      modelInput(config, w, input, j * size);
    });
    const logits = await engine.infer(input, part.length);
    part.forEach((w, j) => {
      const row = Array.from(logits.subarray(j * engine.classes, (j + 1) * engine.classes));
      const probs = calibratedProbs(row, windowTemperature(config, w.kind, w.snrDb));
      results.push({
        ...decide(probs, config.classes, threshold),
        index: w.index,
        kind: w.kind,
        segment: w.segment,
        startMs: (w.startSample / 16000) * 1000,
        endMs: (w.endSample / 16000) * 1000,
        logits: row,
        ...(w.snrDb !== undefined ? { snrDb: w.snrDb } : {}),
      });
    });
  }
  const full = results.filter((w) => w.kind !== 'early');
  const clip = full.length ? decide(meanProbs(full.map((w) => w.probs)), config.classes, threshold) : null;
  return {
    durationS: samples.length / 16000,
    windows: results,
    vad,
    clip,
    session: analyzer.normalizer?.snapshot() ?? { frames: 0, sum: [], sumSq: [] },
    ...(band ? { band } : {}),
  };
}
