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
import { Rng, shuffle } from '../augment/rng.ts';
import { getLabelSet } from '../corpora/labels.ts';
import type { CorpusItem } from '../corpora/types.ts';
import { progress } from '../util/progress.ts';
import { applyChannel, type Channel, channelBandwidth, channelName } from './channel.ts';
import { computeMetrics, type Metrics, samplingUncertainty } from './metrics.ts';

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
  channel: string;
  /** Clips whose label the model cannot output (counted, not scored). */
  skipped: number;
  skippedLabels: Record<string, number>;
  /** Scored clips in which no speech was found (scored as a uniform, i.e. wrong-ish, guess). */
  noSpeech: number;
  byCorpus: Record<string, Metrics>;
  /**
   * Per speaker: clips, UA, accuracy and mean confidence. Calibration moves between speakers (one
   * speaker's confidence can exceed its accuracy by 0.15 while another's falls short), so a set of a
   * few speakers can be over-confident as a whole even when the temperature was fitted well.
   */
  bySpeaker: Record<string, { n: number; ua: number; wa: number; confidence: number }>;
  predictions: ClipPrediction[];
}

export interface EvaluateOptions {
  vad: SileroVad;
  adapt: 'session' | 'none';
  seed: number;
  /** The channel the audio goes through before analysis (default clean; see `channel.ts`). */
  channel?: Channel;
  quiet?: boolean;
}

/**
 * The clips of each speaker as one session: speakers in sorted order, each speaker's clips in a
 * fixed order shuffled with `seed` (independent of the order the clips were listed in).
 */
export function speakerSessions<T>(
  entries: readonly T[],
  itemOf: (e: T) => Pick<CorpusItem, 'path' | 'speaker'>,
  seed: number,
): T[][] {
  const rng = new Rng(seed);
  const bySpeaker = new Map<string, T[]>();
  for (const e of [...entries].sort((a, b) => itemOf(a).path.localeCompare(itemOf(b).path))) {
    const speaker = itemOf(e).speaker;
    bySpeaker.set(speaker, [...(bySpeaker.get(speaker) ?? []), e]);
  }
  return [...bySpeaker.keys()].sort().map((s) => shuffle(bySpeaker.get(s)!, rng));
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
  const bar = progress('evaluate', scored.length, { quiet: o.quiet });
  const predictions: ClipPrediction[] = [];
  const truth: number[] = [];
  const probs: number[][] = [];
  for (const list of speakerSessions(scored, (s) => s.item, o.seed)) {
    let session: NormalizerState | undefined;
    for (const { item, cls } of list) {
      const audio = await decodeAudioFile(item.path);
      const samples = o.channel ? await applyChannel(audio.samples, o.channel, item.path) : audio.samples;
      const r = await analyzeSamples(samples, pkg, {
        vad: o.vad,
        session: o.adapt === 'session' ? session : undefined,
        bandwidth: channelBandwidth(o.channel, audio.original.sampleRate),
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
  overall.uncertainty = samplingUncertainty(probs, truth, classes, {
    speakers: predictions.map((p) => p.speaker),
  });
  const indicesWhere = (keep: (p: ClipPrediction) => boolean) =>
    predictions.map((p, i) => (keep(p) ? i : -1)).filter((i) => i >= 0);
  const byCorpus: Record<string, Metrics> = {};
  for (const corpus of new Set(predictions.map((p) => p.corpus))) {
    const idx = indicesWhere((p) => p.corpus === corpus);
    const p = idx.map((i) => probs[i]!);
    const t = idx.map((i) => truth[i]!);
    byCorpus[corpus] = {
      ...computeMetrics(p, t, classes),
      uncertainty: samplingUncertainty(p, t, classes, { speakers: idx.map((i) => predictions[i]!.speaker) }),
    };
  }
  const bySpeaker: EvaluationResult['bySpeaker'] = {};
  for (const speaker of [...new Set(predictions.map((p) => p.speaker))].sort()) {
    const idx = indicesWhere((p) => p.speaker === speaker);
    const m = computeMetrics(
      idx.map((i) => probs[i]!),
      idx.map((i) => truth[i]!),
      classes,
    );
    const confidence = idx.reduce((a, i) => a + predictions[i]!.confidence, 0) / idx.length;
    bySpeaker[speaker] = { n: idx.length, ua: m.ua, wa: m.wa, confidence };
  }
  return {
    ...overall,
    model: config.id,
    adapt: o.adapt,
    channel: channelName(o.channel ?? { kind: 'clean' }),
    skipped: items.length - scored.length,
    skippedLabels,
    noSpeech: predictions.filter((p) => p.noSpeech).length,
    byCorpus,
    bySpeaker,
    predictions,
  };
}
