/**
 * Clip-level evaluation through the server's own code path: every clip is analysed exactly as a
 * stream (20 ms chunks, Silero VAD, speech windows, session normalisation, ONNX Runtime,
 * temperature-scaled softmax) and its window probabilities are averaged.
 *
 * Sessions: with `adapt: 'session'` (the default) a speaker's clips are played one after another
 * in a fixed shuffled order and the normaliser carries over between them, as during one call with
 * that speaker; the first clip of each speaker is analysed cold. With `adapt: 'none'` every clip is
 * a new stream. No labels are used for adaptation.
 */

import { analyzeSamples } from '@emostream/server/core/clip-analysis';
import type { ModelPackage } from '@emostream/server/engine/model-package';
import type { SileroVad } from '@emostream/server/vad/silero';
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { meanProbs } from '@emostream/shared/model/postprocess';
import { Rng } from '../augment/rng.ts';
import { getLabelSet } from '../corpora/labels.ts';
import type { CorpusItem } from '../corpora/types.ts';
import { progress } from '../util/progress.ts';
import { computeMetrics, type Metrics } from './metrics.ts';

export interface ClipPrediction {
  path: string;
  corpus: string;
  speaker: string;
  truth: string;
  predicted: string;
  confidence: number;
  probs: number[];
  windows: number;
  noSpeech: boolean;
}

export interface EvaluationResult extends Metrics {
  model: string;
  adapt: 'session' | 'none';
  /** Clips whose label the model cannot output (counted, not scored). */
  skipped: number;
  skippedLabels: Record<string, number>;
  /** Scored clips in which no speech was found (scored as a uniform, i.e. wrong-ish, guess). */
  noSpeech: number;
  byCorpus: Record<string, Metrics>;
  predictions: ClipPrediction[];
}

export interface EvaluateOptions {
  vad: SileroVad;
  adapt: 'session' | 'none';
  seed: number;
  quiet?: boolean;
}

export async function evaluateModel(
  items: readonly CorpusItem[],
  pkg: ModelPackage,
  o: EvaluateOptions,
): Promise<EvaluationResult> {
  const { config } = pkg;
  const labelSet = getLabelSet(config.labelSet);
  const classes = config.classes;
  const skippedLabels: Record<string, number> = {};
  const scored: Array<{ item: CorpusItem; cls: number }> = [];
  for (const item of items) {
    const mapped = labelSet.map(item.label);
    const cls = mapped === null ? -1 : classes.indexOf(mapped);
    if (cls < 0) skippedLabels[item.label] = (skippedLabels[item.label] ?? 0) + 1;
    else scored.push({ item, cls });
  }
  // Sessions: speakers in a fixed order, each speaker's clips shuffled with the seed.
  const rng = new Rng(o.seed);
  const bySpeaker = new Map<string, Array<{ item: CorpusItem; cls: number }>>();
  for (const s of [...scored].sort((a, b) => a.item.path.localeCompare(b.item.path))) {
    const list = bySpeaker.get(s.item.speaker) ?? [];
    list.push(s);
    bySpeaker.set(s.item.speaker, list);
  }
  const bar = progress('evaluate', scored.length, { quiet: o.quiet });
  const predictions: ClipPrediction[] = [];
  const truth: number[] = [];
  const probs: number[][] = [];
  for (const speaker of [...bySpeaker.keys()].sort()) {
    const list = bySpeaker.get(speaker)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    let session: NormalizerState | undefined;
    for (const { item, cls } of list) {
      const audio = await decodeAudioFile(item.path);
      const r = await analyzeSamples(audio.samples, pkg, {
        vad: o.vad,
        session: o.adapt === 'session' ? session : undefined,
      });
      session = r.session;
      const p = r.clip ? r.clip.probs : meanProbs([new Array(classes.length).fill(1 / classes.length)]);
      let best = 0;
      for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
      predictions.push({
        path: item.path,
        corpus: item.corpus,
        speaker: item.speaker,
        truth: classes[cls]!,
        predicted: classes[best]!,
        confidence: p[best]!,
        probs: p,
        windows: r.windows.length,
        noSpeech: r.clip === null,
      });
      truth.push(cls);
      probs.push(p);
      bar.tick(1);
    }
  }
  bar.stop();
  const overall = computeMetrics(probs, truth, classes);
  const byCorpus: Record<string, Metrics> = {};
  for (const corpus of new Set(predictions.map((p) => p.corpus))) {
    const idx = predictions.map((p, i) => (p.corpus === corpus ? i : -1)).filter((i) => i >= 0);
    byCorpus[corpus] = computeMetrics(
      idx.map((i) => probs[i]!),
      idx.map((i) => truth[i]!),
      classes,
    );
  }
  return {
    ...overall,
    model: config.id,
    adapt: o.adapt,
    skipped: items.length - scored.length,
    skippedLabels,
    noSpeech: predictions.filter((p) => p.noSpeech).length,
    byCorpus,
    predictions,
  };
}
