/**
 * Silero's 8 kHz mode against its 16 kHz mode on narrowband audio (session 13): what the server does
 * for 8 kHz streams. For the official test clips of RAVDESS and EmoDB, as an 8 kHz call would bring
 * them (resampled to 8 kHz and back: the server's path for an 8 kHz stream), and through the
 * evaluation's telephone channel (band limit and mu-law too; three draws of its random tilt per clip): the clips in which the VAD finds speech,
 * the speech it finds (s per clip, with the VAD's own state machine and thresholds), and the onset
 * difference between the two modes where both find speech. Then false alarms: 60 s of pink noise and
 * of silence with a -60 dBFS hiss, the speech the VAD finds in them. The 8 kHz mode is also run with
 * stricter positive thresholds (0.6, 0.7), the obvious remedy for its false alarms.
 *
 *   npx tsx models/experiments/vad-narrowband.ts
 */
import { SileroVad, type VadRate } from '@emostream/server/vad/silero';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { pinkNoise } from '../src/augment/noise.ts';
import { Rng } from '../src/augment/rng.ts';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipKey } from '../src/corpora/types.ts';
import { NARROWBAND_CHANNELS, narrow, type Seg, seconds, segments } from './vad-modes.ts';

const vad = await SileroVad.load();
const MODES: Array<{ name: string; rate: VadRate; threshold: number }> = [
  { name: '16 kHz', rate: 16000, threshold: 0.5 },
  { name: '8 kHz', rate: 8000, threshold: 0.5 },
  { name: '8 kHz, threshold 0.6', rate: 8000, threshold: 0.6 },
  { name: '8 kHz, threshold 0.7', rate: 8000, threshold: 0.7 },
];
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = officialSplit(corpora.items).test;
console.log(`${items.length} test clips\n`);
console.log(
  '| audio | VAD mode | clips with speech | speech s per clip | onset - 16 kHz mode: median (p90 of |diff|) |',
);
console.log('|---|---|---|---|---|');
for (const [name, f, draws] of NARROWBAND_CHANNELS) {
  const res = new Map(MODES.map((m) => [m.name, [] as Seg[][]]));
  for (let draw = 0; draw < draws; draw++) {
    for (const item of items) {
      const x = await f((await decodeAudioFile(item.path)).samples, clipKey(item), draw);
      for (const m of MODES) res.get(m.name)!.push(await segments(vad, x, m.rate, m.threshold));
    }
  }
  const base = res.get('16 kHz')!;
  for (const m of MODES) {
    const r = res.get(m.name)!;
    const diffs: number[] = [];
    r.forEach((s, i) => {
      if (s.length && base[i]!.length) diffs.push(s[0]![0] - base[i]![0]![0]);
    });
    diffs.sort((a, b) => a - b);
    const abs = diffs.map(Math.abs).sort((a, b) => a - b);
    const onset =
      m.name !== '16 kHz' && diffs.length
        ? `${(diffs[Math.floor(diffs.length / 2)]! * 1000).toFixed(0)} ms (${(abs[Math.floor(abs.length * 0.9)]! * 1000).toFixed(0)} ms)`
        : '';
    const found = r.filter((s) => s.length > 0).length / draws;
    const speech = r.reduce((a, s) => a + seconds(s), 0) / r.length;
    const per = draws > 1 ? ` (mean of ${draws} draws)` : '';
    console.log(
      `| ${name} | ${m.name} | ${found.toFixed(draws > 1 ? 1 : 0)} / ${items.length}${per} | ${speech.toFixed(2)} | ${onset} |`,
    );
  }
}
const rng = new Rng('vad-narrowband');
const scaled = (x: Float32Array, dbfs: number) => {
  let p = 0;
  for (const v of x) p += v * v;
  const g = 10 ** (dbfs / 20) / Math.sqrt(p / x.length);
  return x.map((v) => v * g);
};
const noises: Array<[string, Float32Array]> = [
  ['pink noise -30 dBFS', scaled(pinkNoise(60 * 16000, rng.fork('pink')), -30)],
  [
    'hiss -60 dBFS',
    scaled(
      new Float32Array(60 * 16000).map(() => rng.next() * 2 - 1),
      -60,
    ),
  ],
];
for (const [name, x] of noises) {
  const y = await narrow(x);
  for (const m of MODES) {
    const s = await segments(vad, y, m.rate, m.threshold);
    console.log(
      `${name}, 8 kHz audio, ${m.name} mode: ${s.length} segments, ${seconds(s).toFixed(1)} s of "speech" in 60 s`,
    );
  }
}
await vad.release();
