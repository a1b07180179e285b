/**
 * Clip-level logits through the server's pipeline, for fitting a temperature: each speaker's clips
 * analysed as one session (as `evaluate` does), a clip's logits the mean of its windows' logits.
 * Clips whose label the model cannot output, and clips in which no speech was found, are left out.
 * A channel puts every clip through it first, seeded per clip exactly as `evaluate --channel` does.
 */
import { analyzeSamples } from '@emostream/server/core/clip-analysis';
import type { ModelPackage } from '@emostream/server/engine/model-package';
import type { SileroVad } from '@emostream/server/vad/silero';
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { getLabelSet } from '../corpora/labels.ts';
import { type CorpusItem, clipKey } from '../corpora/types.ts';
import { progress } from '../util/progress.ts';
import { applyChannel, type Channel, channelBandwidth } from './channel.ts';
import { speakerSessions } from './evaluate.ts';

export interface ClipLogits {
  /** Per clip, the mean of its windows' logits. */
  logits: number[][];
  /** Per clip, each window's logits (what live events are computed from). */
  windows: number[][][];
  /** Per clip, each window's estimated signal-to-noise ratio (dB; NaN where none was estimated). */
  windowSnrDb: number[][];
  /** Per clip, the item it came from. */
  items: CorpusItem[];
  /** Class index of each clip. */
  truth: number[];
  /** Clips left out: label outside the model's classes, or no speech found. */
  skipped: number;
  /** With `earlyMs`: each early window's logits and its clip's class (not part of the clip logits). */
  early: { logits: number[][]; truth: number[] };
}

export async function clipLogits(
  items: readonly CorpusItem[],
  pkg: ModelPackage,
  o: {
    vad: SileroVad;
    seed: number;
    label?: string;
    quiet?: boolean;
    channel?: Channel;
    /** Which independent draw of a random channel (0, 1, ...; as `evaluate --draws`). Default 0. */
    draw?: number;
    /** Also cut each segment's early window after this many ms (as a stream's `options.earlyMs`). */
    earlyMs?: number;
  },
): Promise<ClipLogits> {
  const { classes } = pkg.config;
  const labelSet = getLabelSet(pkg.config.labelSet);
  const scored = items.flatMap((item) => {
    const mapped = labelSet.map(item.label);
    const cls = mapped === null ? -1 : classes.indexOf(mapped);
    return cls < 0 ? [] : [{ item, cls }];
  });
  let skipped = items.length - scored.length;
  const logits: number[][] = [];
  const windows: number[][][] = [];
  const windowSnrDb: number[][] = [];
  const kept: CorpusItem[] = [];
  const truth: number[] = [];
  const early: ClipLogits['early'] = { logits: [], truth: [] };
  const bar = progress(o.label ?? 'temperature', scored.length, { quiet: o.quiet });
  for (const list of speakerSessions(scored, (s) => s.item, o.seed)) {
    let session: NormalizerState | undefined;
    for (const { item, cls } of list) {
      const decoded = await decodeAudioFile(item.path);
      const audio = decoded.samples;
      const samples = o.channel ? await applyChannel(audio, o.channel, clipKey(item), o.draw ?? 0) : audio;
      const r = await analyzeSamples(samples, pkg, {
        vad: o.vad,
        session,
        bandwidth: channelBandwidth(o.channel, decoded.original.sampleRate),
        ...(o.earlyMs ? { earlyMs: o.earlyMs } : {}),
      });
      session = r.session;
      bar.tick();
      const full = r.windows.filter((w) => w.kind !== 'early');
      if (full.length === 0) {
        skipped++;
        continue;
      }
      for (const w of r.windows) {
        if (w.kind !== 'early') continue;
        early.logits.push(w.logits);
        early.truth.push(cls);
      }
      logits.push(
        Array.from(
          { length: classes.length },
          (_, j) => full.reduce((a, w) => a + w.logits[j]!, 0) / full.length,
        ),
      );
      windows.push(full.map((w) => w.logits));
      windowSnrDb.push(full.map((w) => w.snrDb ?? Number.NaN));
      kept.push(item);
      truth.push(cls);
    }
  }
  bar.stop();
  return { logits, windows, windowSnrDb, items: kept, truth, skipped, early };
}
