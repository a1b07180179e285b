/**
 * False alarms of Silero's 8 kHz mode on real non-speech audio (session 14): what moving 8 kHz streams
 * to it would cost. `vad-narrowband.ts` found that the 8 kHz mode finds telephone speech the 16 kHz mode
 * misses, and some speech in loud pink noise; pink noise is one synthetic signal. This runs the three
 * candidate VADs (16 kHz mode, 8 kHz mode at thresholds 0.5 and 0.6; the VAD's own state machine, the
 * default options otherwise) over recorded non-speech, as an 8 kHz call brings it (resampled to 8 kHz
 * and back: the server's path for an 8 kHz stream) and through the evaluation's telephone channel
 * (three draws of its random tilt per clip, averaged; keyed by speaker and file name, or file name):
 *
 * - room tone: the parts of the official test clips (RAVDESS 19-24, EmoDB 15-16) that are not speech,
 *   i.e. outside the speech the 16 kHz mode finds on the clean clip, widened by 300 ms on each side;
 *   the speech each VAD finds there is counted as false, the clean speech it misses as missed;
 * - music: four minutes of an instrumental electronic track (Justice, "Genesis", mono), from the npm
 *   package `sample-audio-files` (`npm pack sample-audio-files`, its `media/` folder);
 * - signalling and alert sounds: every sound of Debian's `sound-theme-freedesktop` (ring, ringback and
 *   busy tones, bells, beeps) except the `audio-channel-*` ones, which are spoken words;
 * - singing: `audio-lena` (`npm pack audio-lena`; a woman singing over a noisy background), reported
 *   apart because a VAD that fires on singing is not wrong.
 *
 *   apt-get install -y sound-theme-freedesktop
 *   (cd /tmp && npm pack sample-audio-files audio-lena && for f in sample-audio-files-*.tgz audio-lena-*.tgz; do mkdir -p ${f%.tgz} && tar xzf $f -C ${f%.tgz}; done)
 *   npx tsx models/experiments/vad-false-alarms.ts [--music FILE] [--sounds DIR] [--singing FILE]
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SileroVad, type VadRate } from '@emostream/server/vad/silero';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipKey } from '../src/corpora/types.ts';
import { NARROWBAND_CHANNELS, type Seg, seconds, segments } from './vad-modes.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const MUSIC = arg(
  '--music',
  '/tmp/sample-audio-files-1.0.7/package/media/Justice_Genesis_16bit_trim_mono_y6iHYTjEyKU.wav',
);
const SOUNDS = arg('--sounds', '/usr/share/sounds/freedesktop/stereo');
const SINGING = arg('--singing', '/tmp/audio-lena-3.0.1/package/lena.flac');

const vad = await SileroVad.load();
const MODES: Array<{ name: string; rate: VadRate; threshold: number }> = [
  { name: '16 kHz', rate: 16000, threshold: 0.5 },
  { name: '8 kHz', rate: 8000, threshold: 0.5 },
  { name: '8 kHz, threshold 0.6', rate: 8000, threshold: 0.6 },
];
/** Total length of the overlap of two sets of disjoint segments. */
function overlap(a: Seg[], b: Seg[]): number {
  let t = 0;
  for (const [a0, a1] of a) for (const [b0, b1] of b) t += Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  return t;
}
/** The complement of (segments widened by `pad` s) within [0, duration). */
function outside(s: Seg[], duration: number, pad: number): Seg[] {
  const out: Seg[] = [];
  let t = 0;
  for (const [s0, s1] of s) {
    if (s0 - pad > t) out.push([t, s0 - pad]);
    t = Math.max(t, s1 + pad);
  }
  if (t < duration) out.push([t, duration]);
  return out;
}

// Room tone of the test clips.
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = officialSplit(corpora.items).test;
console.log(`${items.length} test clips\n`);
console.log('| audio | VAD mode | room tone s | false speech s (%) | clean speech s | missed s (%) |');
console.log('|---|---|---|---|---|---|');
const clean: Array<{ x: Float32Array; key: string; speech: Seg[]; quiet: Seg[] }> = [];
for (const item of items) {
  const x = (await decodeAudioFile(item.path)).samples;
  const speech = await segments(vad, x, 16000, 0.5);
  clean.push({ x, key: clipKey(item), speech, quiet: outside(speech, x.length / 16000, 0.3) });
}
const quietTotal = clean.reduce((a, c) => a + seconds(c.quiet), 0);
const speechTotal = clean.reduce((a, c) => a + seconds(c.speech), 0);
for (const [name, f, draws] of NARROWBAND_CHANNELS) {
  const false_ = new Map(MODES.map((m) => [m.name, 0]));
  const missed = new Map(MODES.map((m) => [m.name, 0]));
  for (let draw = 0; draw < draws; draw++) {
    for (const c of clean) {
      const y = await f(c.x, c.key, draw);
      for (const m of MODES) {
        const s = await segments(vad, y, m.rate, m.threshold);
        false_.set(m.name, false_.get(m.name)! + overlap(s, c.quiet));
        missed.set(m.name, missed.get(m.name)! + seconds(c.speech) - overlap(s, c.speech));
      }
    }
  }
  for (const m of MODES) {
    const fa = false_.get(m.name)! / draws;
    const mi = missed.get(m.name)! / draws;
    console.log(
      `| ${name} | ${m.name} | ${quietTotal.toFixed(0)} | ${fa.toFixed(1)} (${((100 * fa) / quietTotal).toFixed(1)}%) | ${speechTotal.toFixed(0)} | ${mi.toFixed(1)} (${((100 * mi) / speechTotal).toFixed(1)}%) |`,
    );
  }
}

// Recorded non-speech.
const sounds = readdirSync(SOUNDS)
  .filter((f) => !f.startsWith('audio-channel-'))
  .sort();
const sources: Array<[string, string[]]> = [
  ['music (4 min)', [MUSIC]],
  [`${sounds.length} signalling and alert sounds`, sounds.map((f) => join(SOUNDS, f))],
  ['singing (audio-lena)', [SINGING]],
];
console.log('\n| audio | source | length s | VAD mode | "speech" found s (%) | segments |');
console.log('|---|---|---|---|---|---|');
for (const [name, f, draws] of NARROWBAND_CHANNELS) {
  for (const [label, files] of sources) {
    const xs: Float32Array[][] = [];
    for (let draw = 0; draw < draws; draw++) {
      const one: Float32Array[] = [];
      for (const file of files)
        one.push(await f((await decodeAudioFile(file)).samples, basename(file), draw));
      xs.push(one);
    }
    const total = xs[0]!.reduce((a, x) => a + x.length / 16000, 0);
    for (const m of MODES) {
      let found = 0;
      let count = 0;
      for (const one of xs) {
        for (const x of one) {
          const s = await segments(vad, x, m.rate, m.threshold);
          found += seconds(s) / draws;
          count += s.length / draws;
        }
      }
      console.log(
        `| ${name} | ${label} | ${total.toFixed(0)} | ${m.name} | ${found.toFixed(1)} (${((100 * found) / total).toFixed(1)}%) | ${count} |`,
      );
    }
  }
}
await vad.release();
