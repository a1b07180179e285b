/**
 * Session 16: after a wideband decision, can a stream keep listening for telephone audio that starts
 * later, without ever mistaking wideband speech for it? Each speaker's clips are joined into one long
 * stream (300 ms of silence between them) and read as the StreamAnalyzer reads a stream: the first
 * decision (`BandDetector` defaults), then watch detectors one after the other
 * (`watchBandDetectorOptions`, or `--stride`/`--min-blocks`), each over its own loud blocks, a fresh
 * one at each segment boundary (the analyser's VAD speech starts and ends; here each clip's start and end).
 *
 * - Wideband streams (clean, peak-normalised, pink noise at 20 and 10 dB): every watch window's
 *   upper-band level; a window under the threshold would switch the stream by mistake.
 * - Narrowband streams (an 8 kHz call; the telephone channel): the first decision catches them; the
 *   windows are reported for the watch's own margin.
 * - Mixed streams: the speaker's first half of clips wideband, then the rest as an 8 kHz call: does
 *   the stream switch, and how many seconds of the narrowband part pass first?
 *
 *   npx tsx models/experiments/band-watch.ts [--split non-test|test|both] [--stride 3] [--min-blocks 30]
 */
import {
  BandDetector,
  defaultBandDetectorOptions,
  watchBandDetectorOptions,
} from '@emostream/shared/analysis/band';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { Command } from 'commander';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { type CorpusItem, clipKey } from '../src/corpora/types.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { progress } from '../src/util/progress.ts';
import { narrow } from './vad-modes.ts';

const opts = new Command()
  .option('--split <which>', 'non-test, test or both', 'both')
  .option('--stride <n>', 'watch: read one block in n', String(watchBandDetectorOptions.blockStride))
  .option(
    '--min-blocks <n>',
    'watch: loud blocks per decision',
    String(watchBandDetectorOptions.minActiveBlocks),
  )
  .parse()
  .opts<{ split: string; stride: string; minBlocks: string }>();
const watch = { blockStride: Number(opts.stride), minActiveBlocks: Number(opts.minBlocks) };
const threshold = defaultBandDetectorOptions.narrowbandBelowDb;
const FRAME = 1536;
const GAP = new Float32Array(4800);

type Make = (x: Float32Array, key: string) => Promise<Float32Array>;
const ch =
  (name: string): Make =>
  (x, key) =>
    applyChannel(x, parseChannel(name), key);
const WIDE: Array<[string, Make]> = [
  ['clean', ch('clean')],
  ['peak', ch('peak')],
  ['noise:20', ch('noise:20')],
  ['noise:10', ch('noise:10')],
];
const NARROW: Array<[string, Make]> = [
  ['8 kHz call', (x) => narrow(x)],
  ['telephone', ch('phone')],
];

/** The stream's clips joined, each through `make`; and where each clip starts (samples). */
async function joined(items: readonly CorpusItem[], make: (i: number) => Make) {
  const parts: Float32Array[] = [];
  const starts: number[] = [];
  /** Each clip's start and end: where the analyser's VAD would start and end a segment. */
  const boundaries: number[] = [];
  let at = 0;
  for (const [i, item] of items.entries()) {
    const x = await make(i)((await decodeAudioFile(item.path)).samples, clipKey(item));
    starts.push(at);
    boundaries.push(at, at + x.length);
    parts.push(x, GAP);
    at += x.length + GAP.length;
  }
  const out = new Float32Array(at);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { x: out, starts, boundaries };
}

/**
 * Reads a stream as the analyser does: the first decision, then watch windows until a narrowband one,
 * a fresh watch detector at each segment boundary (the analyser starts one at each VAD speech start
 * and end; here, at each clip's start and end, the frame holding it).
 */
function read(x: Float32Array, starts: readonly number[]) {
  let d = new BandDetector();
  let first: { band: string; db: number } | undefined;
  const windows: number[] = [];
  let switchedAt: number | undefined;
  let next = 1;
  for (let i = 0; i < x.length && switchedAt === undefined; i += FRAME) {
    if (first !== undefined && next < starts.length && starts[next]! < i + FRAME) {
      d = new BandDetector(watch);
      while (next < starts.length && starts[next]! < i + FRAME) next++;
    }
    const band = d.push(x.subarray(i, Math.min(x.length, i + FRAME)));
    if (band === undefined) continue;
    if (first === undefined) first = { band, db: d.upperBandDb };
    else windows.push(d.upperBandDb);
    if (band === 'narrowband') switchedAt = Math.min(x.length, i + FRAME);
    else d = new BandDetector(watch);
  }
  return { first, windows, switchedAt };
}

const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const split = officialSplit(corpora.items);
const bySpeaker = (items: readonly CorpusItem[]) => {
  const m = new Map<string, CorpusItem[]>();
  for (const it of items) (m.get(it.speaker) ?? m.set(it.speaker, []).get(it.speaker)!).push(it);
  for (const list of m.values()) list.sort((a, b) => a.path.localeCompare(b.path));
  return [...m.values()];
};
const sets: Array<[string, CorpusItem[][]]> = (
  [
    ['non-test speakers', bySpeaker([...split.train, ...split.val])],
    ['test speakers', bySpeaker(split.test)],
  ] as Array<[string, CorpusItem[][]]>
).filter(([n]) => opts.split === 'both' || n === `${opts.split} speakers`);

const f1 = (v: number) => v.toFixed(1);
const q = (v: number[], p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
console.log(
  `watch: one block in ${watch.blockStride}, ${watch.minActiveBlocks} loud blocks per decision; threshold ${threshold} dB`,
);
for (const [name, speakers] of sets) {
  const hours = speakers.flat().length;
  console.log(`\n### ${name}: ${speakers.length} streams, ${hours} clips\n`);
  console.log('| audio | watch windows | upper band dB: min / p1 / median / max | streams switched |');
  console.log('|---|---|---|---|');
  const bar = progress(name, speakers.length * (WIDE.length + NARROW.length + 1));
  const rows: string[] = [];
  for (const [cond, make] of [...WIDE, ...NARROW]) {
    const levels: number[] = [];
    let switched = 0;
    let firstNarrow = 0;
    for (const items of speakers) {
      const { x, boundaries } = await joined(items, () => make);
      const r = read(x, boundaries);
      levels.push(...r.windows);
      if (r.switchedAt !== undefined) switched++;
      if (r.first?.band === 'narrowband') firstNarrow++;
      bar.tick();
    }
    levels.sort((a, b) => a - b);
    const dist = levels.length
      ? [levels[0]!, q(levels, 0.01), q(levels, 0.5), levels.at(-1)!].map(f1).join(' / ')
      : '-';
    rows.push(
      `| ${cond} | ${levels.length} | ${dist} | ${switched} of ${speakers.length}${firstNarrow ? ` (${firstNarrow} at the first decision)` : ''} |`,
    );
  }
  // Mixed: first half wideband, then an 8 kHz call.
  const delays: number[] = [];
  let missed = 0;
  let early = 0;
  for (const items of speakers) {
    const half = Math.floor(items.length / 2);
    const { x, starts, boundaries } = await joined(items, (i) => (i < half ? ch('clean') : (y) => narrow(y)));
    const r = read(x, boundaries);
    if (r.switchedAt === undefined) missed++;
    else if (r.switchedAt < starts[half]!) early++;
    else delays.push((r.switchedAt - starts[half]!) / 16000);
    bar.tick();
  }
  bar.stop();
  for (const row of rows) console.log(row);
  delays.sort((a, b) => a - b);
  console.log(
    `\nMixed (wideband, then an 8 kHz call): switched in ${delays.length} of ${speakers.length} streams, ${missed} never, ${early} before the call began; seconds of the call before the switch: median ${delays.length ? f1(q(delays, 0.5)) : '-'}, max ${delays.length ? f1(delays.at(-1)!) : '-'}`,
  );
}
