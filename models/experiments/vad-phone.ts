/**
 * Why the VAD finds no speech in some telephone clips (session 13): for the clips an `evaluate
 * --channel phone --json` run marked `noSpeech`, and as many it did not, Silero's per-frame speech
 * probability on the clean clip and on its telephone version (the evaluation's own channel, seeded the
 * same way): the mean of the clip maxima, the frames at or above the VAD's thresholds, and quantiles of
 * the telephone maxima. Then, for the missed clips, Silero in its 8 kHz mode (`SileroVad.run(..., 8000)`),
 * which the server used for no stream then (since session 14 it runs it for narrowband streams, and
 * `evaluate --channel phone` analyses with it: `--bandwidth wideband` gives session 13's analysis).
 *
 *   npm run evaluate -- --model models/default --data ../shared/data/ravdess --split test --channel phone --bandwidth wideband --json /tmp/phone.json
 *   npx tsx models/experiments/vad-phone.ts /tmp/phone.json
 */
import { readFileSync } from 'node:fs';
import { SileroVad } from '@emostream/server/vad/silero';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { clipKey } from '../src/corpora/types.ts';
import { applyChannel } from '../src/eval/channel.ts';

const file = process.argv[2];
if (!file) throw new Error('give the evaluate --json output of a --channel phone run');
const r = JSON.parse(readFileSync(file, 'utf8'));
type Prediction = { noSpeech: boolean; path: string; speaker: string };
const missed = r.predictions.filter((p: Prediction) => p.noSpeech);
const found = r.predictions.filter((p: Prediction) => !p.noSpeech).slice(0, missed.length);
const vad = await SileroVad.load();
const probs = (x: Float32Array) => vad.clipProbabilities(x);
for (const [name, list] of [
  ['missed', missed],
  ['found', found],
] as const) {
  const rows: number[][] = [];
  for (const p of list as Prediction[]) {
    const clean = (await decodeAudioFile(p.path)).samples;
    const phone = await applyChannel(clean, { kind: 'phone' }, clipKey(p));
    const pc = await probs(clean);
    const pp = await probs(phone);
    rows.push([
      Math.max(...pc),
      pc.filter((p) => p >= 0.5).length,
      Math.max(...pp),
      pp.filter((p) => p >= 0.5).length,
      pp.filter((p) => p >= 0.3).length,
    ]);
  }
  const mean = (k: number) => (rows.reduce((a, r) => a + r[k]!, 0) / rows.length).toFixed(2);
  console.log(
    `${name} (${rows.length}): clean max p ${mean(0)}, frames>=0.5 ${mean(1)}; phone max p ${mean(2)}, frames>=0.5 ${mean(3)}, frames>=0.3 ${mean(4)}`,
  );
  const maxes = rows.map((r) => r[2]!).sort((a, b) => a - b);
  console.log(
    `  phone max p quartiles: ${[0.1, 0.25, 0.5, 0.75, 0.9].map((q) => maxes[Math.floor(q * (maxes.length - 1))]!.toFixed(2)).join(' ')}`,
  );
}
const at8k: number[][] = [];
for (const m of missed as Prediction[]) {
  const phone = await applyChannel((await decodeAudioFile(m.path)).samples, { kind: 'phone' }, clipKey(m));
  const p = await vad.clipProbabilities(phone, 8000);
  at8k.push([Math.max(...p), p.filter((v) => v >= 0.5).length]);
}
const m8 = (k: number) => (at8k.reduce((a, r) => a + r[k]!, 0) / Math.max(1, at8k.length)).toFixed(2);
console.log(
  `missed, Silero at 8 kHz: max p ${m8(0)}, frames>=0.5 ${m8(1)}; clips with >= 3 frames >= 0.5 (the VAD's minimum speech): ${at8k.filter((r) => r[1]! >= 3).length} of ${at8k.length}`,
);
await vad.release();
