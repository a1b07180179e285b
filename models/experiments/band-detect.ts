/**
 * Session 15: can a stream tell, from its first second of sound, that it carries telephone audio?
 * `BandDetector` (shared/src/analysis/band.ts) on every clip of RAVDESS and EmoDB, wideband audio
 * (clean, peak-normalised, level-varied, in pink noise) and narrowband audio (an 8 kHz call, the
 * evaluation's telephone channel, and that channel on noisy speech), split by speaker into the official
 * test speakers and the rest. Prints the upper-band level's distribution per condition, how often each
 * threshold would call the clip narrowband, and when the decision comes. Session 17 adds calls upsampled
 * without a filter (linear interpolation, also in 16-bit samples at a quiet level; repeated samples), the
 * sample-parity statistic that finds them (`upsampledDb`) and the detector's decision with both tests.
 *
 *   npx tsx models/experiments/band-detect.ts [--threshold -40] [--limit N]
 */
import { BandDetector, defaultBandDetectorOptions } from '@emostream/shared/analysis/band';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { linearUpsample2x as linearUp } from '@emostream/shared/testing/signals';
import { Command } from 'commander';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipKey } from '../src/corpora/types.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { progress } from '../src/util/progress.ts';
import { narrow } from './vad-modes.ts';

const opts = new Command()
  .option(
    '--threshold <dB>',
    'narrowband below this upper-band level',
    String(defaultBandDetectorOptions.narrowbandBelowDb),
  )
  .option('--limit <n>', 'clips per split (for a quick look)', '0')
  .option(
    '--min-blocks <n>',
    'loud blocks before deciding',
    String(defaultBandDetectorOptions.minActiveBlocks),
  )
  .option('--split <which>', 'non-test, test or both', 'both')
  .parse()
  .opts<{ threshold: string; limit: string; minBlocks: string; split: string }>();
const minActiveBlocks = Number(opts.minBlocks);
const threshold = Number(opts.threshold);
const THRESHOLDS = [-30, -40, -50, -60];

type Make = (x: Float32Array, key: string) => Promise<Float32Array>;
const ch =
  (name: string): Make =>
  (x, key) =>
    applyChannel(x, parseChannel(name), key);
const CONDITIONS: Array<[name: string, band: 'wideband' | 'narrowband', make: Make]> = [
  ['clean', 'wideband', ch('clean')],
  ['peak', 'wideband', ch('peak')],
  ['randgain:10', 'wideband', ch('randgain:10')],
  ['noise:20', 'wideband', ch('noise:20')],
  ['noise:10', 'wideband', ch('noise:10')],
  ['8 kHz call', 'narrowband', (x) => narrow(x)],
  ['telephone', 'narrowband', ch('phone')],
  ['telephone of noise:10', 'narrowband', async (x, key) => ch('phone')(await ch('noise:10')(x, key), key)],
  // A gateway that upsamples by linear interpolation leaves images of the speech band above 4 kHz.
  [
    '8 kHz call, upsampled linearly',
    'narrowband',
    async (x) => linearUp(await resampleOffline(x, 16000, 8000)),
  ],
  // Session 17: the same in 16-bit samples, at a quiet call's level; and each sample repeated.
  [
    '8 kHz call, upsampled linearly, 16-bit at -40 dBFS',
    'narrowband',
    async (x) => pcm16(atDbfs(linearUp(await resampleOffline(x, 16000, 8000)), -40)),
  ],
  [
    'telephone, upsampled linearly',
    'narrowband',
    async (x, key) => linearUp(decimate2(await ch('phone')(x, key))),
  ],
  [
    '8 kHz call, each sample repeated',
    'narrowband',
    async (x) => repeatUp(await resampleOffline(x, 16000, 8000)),
  ],
];

/** Every other sample (audio band-limited under 4 kHz, such as the telephone channel's, at 8 kHz). */
function decimate2(x: Float32Array): Float32Array {
  return x.filter((_, i) => i % 2 === 0);
}

/** 8 kHz to 16 kHz by repeating each sample (a zero-order hold). */
function repeatUp(y: Float32Array): Float32Array {
  const out = new Float32Array(2 * y.length);
  for (let i = 0; i < y.length; i++) out[2 * i] = out[2 * i + 1] = y[i]!;
  return out;
}

/** Scaled so that its RMS over the clip is `dbfs`. */
function atDbfs(x: Float32Array, dbfs: number): Float32Array {
  let p = 0;
  for (const v of x) p += v * v;
  const g = 10 ** (dbfs / 20) / Math.sqrt(p / x.length || 1);
  return x.map((v) => v * g);
}

/** Rounded to 16-bit PCM and back. */
function pcm16(x: Float32Array): Float32Array {
  return x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768);
}

const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const split = officialSplit(corpora.items);
const limit = Number(opts.limit);
const sets: Array<[string, typeof corpora.items]> = [
  ['non-test speakers', [...split.train, ...split.val]],
  ['test speakers', split.test],
]
  .filter(([n]) => opts.split === 'both' || n === `${opts.split} speakers`)
  .map(([n, items]) => [
    n as string,
    limit > 0 ? (items as typeof corpora.items).slice(0, limit) : items,
  ]) as never;

const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)}%`;
const q = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
for (const [setName, items] of sets) {
  console.log(`\n### ${setName}: ${items.length} clips\n`);
  console.log(
    `| audio | band | upper band dB: min / p5 / median / p95 / max | undecided | ${THRESHOLDS.map((t) => `called narrowband at ${t}`).join(' | ')} | decided after (median, p95) | upsampled dB: min / p5 / median / p95 / max | called narrowband (both tests, defaults) |`,
  );
  console.log(`|---|---|---|---|${THRESHOLDS.map(() => '---|').join('')}---|---|---|`);
  const bar = progress(setName, items.length * CONDITIONS.length);
  const rows: string[] = [];
  for (const [name, band, make] of CONDITIONS) {
    const levels: number[] = [];
    const ups: number[] = [];
    let narrowband = 0;
    const after: number[] = [];
    let undecided = 0;
    for (const item of items) {
      const x = await make((await decodeAudioFile(item.path)).samples, clipKey(item));
      const d = new BandDetector({ narrowbandBelowDb: threshold, minActiveBlocks });
      let at = -1;
      for (let i = 0; i < x.length && at < 0; i += 1536) {
        if (d.push(x.subarray(i, Math.min(x.length, i + 1536))) !== undefined)
          at = Math.min(x.length, i + 1536);
      }
      if (at < 0) undecided++;
      else {
        levels.push(d.upperBandDb);
        ups.push(d.upsampledDb);
        if (d.band === 'narrowband') narrowband++;
        after.push(at / 16);
      }
      bar.tick(1);
    }
    levels.sort((a, b) => a - b);
    ups.sort((a, b) => a - b);
    after.sort((a, b) => a - b);
    const decided = levels.length;
    const called = THRESHOLDS.map((t) => pct(levels.filter((v) => v < t).length, decided));
    rows.push(
      `| ${name} | ${band} | ${[levels[0]!, ...[0.05, 0.5, 0.95].map((p) => q(levels, p)), levels.at(-1)!].map((v) => v.toFixed(1)).join(' / ')} | ${undecided} | ${called.join(' | ')} | ${q(after, 0.5).toFixed(0)} ms, ${q(after, 0.95).toFixed(0)} ms | ${[ups[0]!, ...[0.05, 0.5, 0.95].map((p) => q(ups, p)), ups.at(-1)!].map((v) => v.toFixed(1)).join(' / ')} | ${pct(narrowband, decided)} |`,
    );
  }
  bar.stop();
  for (const r of rows) console.log(r);
}
