/**
 * Session 17: what a stream loses once band detection has switched it to Silero's 8 kHz mode and
 * wideband speech comes back (an agent on a wideband line after a bridged caller: the switch is final).
 * For the official test clips, wideband, clean and under pink noise at 20 and 10 dB SNR: the clips in
 * which each mode finds speech, the speech it finds, and how much of the 16 kHz mode's speech the 8 kHz
 * mode also covers (recall) or adds, with the VAD's own state machine and each mode's threshold as the
 * server sets it (0.5; 0.6 for the 8 kHz mode, `NARROWBAND_POSITIVE_THRESHOLD`).
 *
 *   npx tsx models/experiments/vad-wideband-8k.ts
 */
import { SileroVad } from '@emostream/server/vad/silero';
import { NARROWBAND_POSITIVE_THRESHOLD } from '@emostream/shared/analysis/vad';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipKey } from '../src/corpora/types.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { type Seg, seconds, segments } from './vad-modes.ts';

/** Length of the intersection of two segment lists, s. */
function overlap(a: readonly Seg[], b: readonly Seg[]): number {
  let s = 0;
  for (const [a0, a1] of a) for (const [b0, b1] of b) s += Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  return s;
}

const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = officialSplit(corpora.items).test;
console.log(`${items.length} test clips, wideband\n`);
console.log(
  '| audio | clips with speech, 16 kHz mode | 8 kHz mode | speech s per clip, 16 kHz | 8 kHz | 16 kHz speech the 8 kHz mode covers | 8 kHz speech outside it |',
);
console.log('|---|---|---|---|---|---|---|');
for (const name of ['clean', 'noise:20', 'noise:10']) {
  const channel = parseChannel(name);
  let found16 = 0;
  let found8 = 0;
  let s16 = 0;
  let s8 = 0;
  let both = 0;
  for (const item of items) {
    const x = await applyChannel((await decodeAudioFile(item.path)).samples, channel, clipKey(item), 0);
    const a = await segments(vad, x, 16000, 0.5);
    const b = await segments(vad, x, 8000, NARROWBAND_POSITIVE_THRESHOLD);
    found16 += a.length > 0 ? 1 : 0;
    found8 += b.length > 0 ? 1 : 0;
    s16 += seconds(a);
    s8 += seconds(b);
    both += overlap(a, b);
  }
  const n = items.length;
  console.log(
    `| ${name} | ${found16} | ${found8} | ${(s16 / n).toFixed(2)} | ${(s8 / n).toFixed(2)} | ${((100 * both) / s16).toFixed(1)}% | ${((100 * (s8 - both)) / s8).toFixed(1)}% |`,
  );
}
await vad.release();
