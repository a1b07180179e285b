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
import type { Bandwidth } from '@emostream/shared/analysis/vad';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { meanProbs } from '@emostream/shared/model/postprocess';
import { Rng, shuffle } from '../augment/rng.ts';
import { getLabelSet } from '../corpora/labels.ts';
import { type CorpusItem, clipKey } from '../corpora/types.ts';
import { progress } from '../util/progress.ts';
import { applyChannel, type Channel, channelBandwidth, channelName, isRandomChannel } from './channel.ts';
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
  /** Which draw of a random channel (absent for the first, and for other channels). */
  draw?: number;
}

export interface EvaluationResult extends Metrics {
  model: string;
  adapt: 'session' | 'none';
  channel: string;
  /** Draws of the channel per clip pooled in the metrics (1 unless the channel is random and more were asked). */
  draws: number;
  /** Clips whose label the model cannot output (counted, not scored). */
  skipped: number;
  skippedLabels: Record<string, number>;
  /** Scored clips in which no speech was found (scored as a uniform, i.e. wrong-ish, guess). */
  noSpeech: number;
  /**
   * Clip analyses (clips x draws) in which band detection ran, by its decision (`undecided`: too little
   * sound to decide; the clip stays wideband).
   */
  bandDetected: { narrowband: number; wideband: number; undecided: number };
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
  /**
   * The band the clips are analysed as (which VAD mode): by default the channel's
   * (`channelBandwidth`: narrowband for the telephone line and for files at 8 kHz or less), and when
   * that is wideband, found from the audio as a 16 kHz stream with `bandwidth: "auto"` finds it.
   * `detect`: always start wideband and find the band from the audio, as for a telephone call bridged
   * into a 16 kHz stream.
   */
  bandwidth?: Bandwidth | 'detect';
  /**
   * Independent draws of a random channel per clip (default 1): each draw is a full pass over every
   * speaker's session, and the metrics pool the passes' predictions (one draw of noise or of a
   * telephone line's tilt per clip moves UA on EmoDB's 104 test clips by up to 4 points). The
   * sampling intervals come from the first draw (draws of one clip are not independent samples).
   */
  draws?: number;
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
  const draws = o.channel && isRandomChannel(o.channel) ? Math.max(1, o.draws ?? 1) : 1;
  const bar = progress('evaluate', scored.length * draws, { quiet: o.quiet });
  const predictions: ClipPrediction[] = [];
  const bandDetected = { narrowband: 0, wideband: 0, undecided: 0 };
  const truth: number[] = [];
  const probs: number[][] = [];
  for (let draw = 0; draw < draws; draw++) {
    for (const list of speakerSessions(scored, (s) => s.item, o.seed)) {
      let session: NormalizerState | undefined;
      for (const { item, cls } of list) {
        const audio = await decodeAudioFile(item.path);
        const samples = o.channel
          ? await applyChannel(audio.samples, o.channel, clipKey(item), draw)
          : audio.samples;
        const bandwidth =
          o.bandwidth === 'detect'
            ? 'wideband'
            : (o.bandwidth ?? channelBandwidth(o.channel, audio.original.sampleRate));
        const detectBandwidth =
          o.bandwidth === 'detect' || (o.bandwidth === undefined && bandwidth === 'wideband');
        const r = await analyzeSamples(samples, pkg, {
          vad: o.vad,
          session: o.adapt === 'session' ? session : undefined,
          bandwidth,
          detectBandwidth,
        });
        session = r.session;
        if (detectBandwidth) bandDetected[r.band?.bandwidth ?? 'undecided']++;
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
          ...(draw > 0 ? { draw } : {}),
        });
        truth.push(cls);
        probs.push(p);
        bar.tick(1);
      }
    }
  }
  bar.stop();
  const indicesWhere = (keep: (p: ClipPrediction) => boolean) =>
    predictions.map((p, i) => (keep(p) ? i : -1)).filter((i) => i >= 0);
  // Sampling intervals from the first draw: further draws of a clip are not independent samples.
  const uncertaintyOf = (idx: number[]) => {
    const first = idx.filter((i) => predictions[i]!.draw === undefined);
    return samplingUncertainty(
      first.map((i) => probs[i]!),
      first.map((i) => truth[i]!),
      classes,
      { speakers: first.map((i) => predictions[i]!.speaker) },
    );
  };
  const overall = computeMetrics(probs, truth, classes);
  overall.uncertainty = uncertaintyOf(predictions.map((_, i) => i));
  const byCorpus: Record<string, Metrics> = {};
  for (const corpus of new Set(predictions.map((p) => p.corpus))) {
    const idx = indicesWhere((p) => p.corpus === corpus);
    const p = idx.map((i) => probs[i]!);
    const t = idx.map((i) => truth[i]!);
    byCorpus[corpus] = { ...computeMetrics(p, t, classes), uncertainty: uncertaintyOf(idx) };
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
    draws,
    skipped: items.length - scored.length,
    skippedLabels,
    noSpeech: predictions.filter((p) => p.noSpeech).length,
    bandDetected,
    byCorpus,
    bySpeaker,
    predictions,
  };
}
