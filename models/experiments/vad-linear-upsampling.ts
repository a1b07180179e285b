/**
 * Session 17: telephone audio that reaches a 16 kHz stream through a gateway that upsampled it by
 * linear interpolation. Band detection cannot tell such a call from wideband audio (session 15: the
 * interpolation's images of the speech band sit 15-35 dB down above 4 kHz), so it runs Silero's 16 kHz
 * mode. How much speech does that mode find there, against the 8 kHz mode and against the same call
 * upsampled properly? The official test clips through the evaluation's telephone channel (one draw),
 * each mode as the server sets it (16 kHz mode 0.5, 8 kHz mode 0.6).
 *
 *   npx tsx models/experiments/vad-linear-upsampling.ts
 */
import { SileroVad } from '@emostream/server/vad/silero';
import { NARROWBAND_POSITIVE_THRESHOLD } from '@emostream/shared/analysis/vad';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { linearUpsample2x } from '@emostream/shared/testing/signals';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipKey } from '../src/corpora/types.ts';
import { applyChannel } from '../src/eval/channel.ts';
import { type Seg, seconds, segments } from './vad-modes.ts';

/**
 * 16 kHz telephone audio (band-limited under 4 kHz, so every other sample is its 8 kHz form) brought
 * back to 16 kHz by linear interpolation between the 8 kHz samples.
 */
const linearUpsampled = (x: Float32Array): Float32Array =>
  linearUpsample2x(x.filter((_, i) => i % 2 === 0)).subarray(0, x.length);

const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = officialSplit(corpora.items).test;
const rows: Array<[string, boolean, 16000 | 8000, number]> = [
  ['telephone, upsampled properly', false, 16000, 0.5],
  ['telephone, upsampled properly', false, 8000, NARROWBAND_POSITIVE_THRESHOLD],
  ['telephone, linear interpolation', true, 16000, 0.5],
  ['telephone, linear interpolation', true, 8000, NARROWBAND_POSITIVE_THRESHOLD],
];
const found = rows.map(() => ({ clips: 0, s: 0 }));
const clean: Seg[][] = [];
for (const item of items) {
  const audio = (await decodeAudioFile(item.path)).samples;
  clean.push(await segments(vad, audio, 16000, 0.5));
  const phone = await applyChannel(audio, { kind: 'phone' }, clipKey(item), 0);
  const linear = linearUpsampled(phone);
  for (const [i, [, lin, rate, threshold]] of rows.entries()) {
    const s = await segments(vad, lin ? linear : phone, rate, threshold);
    found[i]!.clips += s.length > 0 ? 1 : 0;
    found[i]!.s += seconds(s);
  }
}
const n = items.length;
console.log(
  `${n} test clips; clean wideband audio, 16 kHz mode: ${clean.filter((s) => s.length).length} clips with speech, ${(clean.reduce((a, s) => a + seconds(s), 0) / n).toFixed(2)} s per clip\n`,
);
console.log('| audio | VAD mode | clips with speech | speech s per clip |');
console.log('|---|---|---|---|');
for (const [i, [name, , rate]] of rows.entries())
  console.log(
    `| ${name} | ${rate / 1000} kHz | ${found[i]!.clips} / ${n} | ${(found[i]!.s / n).toFixed(2)} |`,
  );
await vad.release();
