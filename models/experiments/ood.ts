/**
 * How far a channel moves the model's input (the window statistics) for the validation speakers:
 * per feature group and functional, the mean shift of the session-normalised statistics between
 * clean and channelled audio, in units of their clean spread over clips.
 *   npx tsx models/experiments/ood.ts <model dir> noise:10
 * SPEECH_ONLY=1 summarises the speech rows only for a model that does not (what --speech-only would do).
 */

import { StreamAnalyzer } from '@emostream/server/core/stream-analyzer';
import { loadModelPackage, modelInput, statsOptionsOf } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { WINDOW_STATS, windowStats, windowStatsSize } from '@emostream/shared/analysis/window-stats';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { loadCorpora } from '../src/cli/common.ts';
import { splitOf } from '../src/corpora/split.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { speakerSessions } from '../src/eval/evaluate.ts';

const [dir, chName] = process.argv.slice(2);
const pkg = await loadModelPackage(dir!);
const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = corpora.items.filter((it) => splitOf(it) === 'val' && it.label !== 'boredom');
const dim = pkg.config.normalizer.priorMean.length;
const size = windowStatsSize(dim, statsOptionsOf(pkg.config));
async function inputs(channel: string) {
  const rows: Float32Array[] = [];
  const ch = parseChannel(channel);
  for (const list of speakerSessions(items, (i) => i, 1)) {
    let session: NormalizerState | undefined;
    for (const item of list) {
      const x = await applyChannel((await decodeAudioFile(item.path)).samples, ch, item.path);
      const state = vad.newState();
      const an = new StreamAnalyzer(pkg.analyzer, async (f) => (await vad.run([f], [state]))[0]!, {
        session,
      });
      const ws = [];
      for (let p = 0; p < x.length; p += 320) ws.push(...(await an.push(x.subarray(p, p + 320))).windows);
      ws.push(...(await an.end()).windows);
      session = an.normalizer!.snapshot();
      const w = ws[0];
      const row = new Float32Array(size);
      if (w && process.env.SPEECH_ONLY && !pkg.config.statsSpeechOnly)
        windowStats(
          w.data,
          w.frames,
          dim,
          w.speechStart,
          w.frames - w.speechEnd,
          row,
          0,
          statsOptionsOf(pkg.config),
        );
      else if (w) modelInput(pkg.config, w, row, 0);
      rows.push(row);
    }
  }
  return rows;
}
const clean = await inputs('clean');
const noisy = await inputs(chName!);
const groups: Record<string, [number, number]> = {
  logmel: [0, 64],
  mfcc: [64, 104],
  rms: [104, 105],
  f0: [105, 106],
  vprob: [106, 107],
};
for (const [k, fn] of WINDOW_STATS.entries()) {
  const parts: string[] = [];
  for (const [g, [a, b]] of Object.entries(groups)) {
    if (b > dim) continue;
    let s = 0;
    for (let d = a; d < b; d++) {
      const j = k * dim + d;
      let m0 = 0,
        m1 = 0,
        v0 = 0;
      for (let i = 0; i < clean.length; i++) {
        m0 += clean[i]![j]!;
        m1 += noisy[i]![j]!;
      }
      m0 /= clean.length;
      m1 /= clean.length;
      for (let i = 0; i < clean.length; i++) v0 += (clean[i]![j]! - m0) ** 2;
      s += Math.abs(m1 - m0) / Math.sqrt(v0 / clean.length + 1e-9);
    }
    parts.push(`${g} ${(s / (b - a)).toFixed(2)}`);
  }
  console.log(fn.padEnd(6), parts.join('  '));
}
await vad.release();
