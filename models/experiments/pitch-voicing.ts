/**
 * The pitch tracker's voicing decision through channels, with and without the noise-adaptive
 * threshold (`PitchOptions.noiseHistory`, gain `noiseGain`), on every 8th RAVDESS and EmoDB clip.
 * Frame by frame against the fixed-threshold tracker on the clean clip: the share of clean-voiced
 * frames lost, octave errors among frames voiced in both, and quiet frames (below -26 dB of the clip's
 * loudest) called voiced.
 *   npx tsx models/experiments/pitch-voicing.ts [gain ...]      (default gains: 1 1.5 2)
 * An argument in braces is a set of PitchOptions instead, e.g. '{"lowpassHz":1000}'.
 */
import { defaultPitchOptions, PitchAnalyzer } from '../../shared/src/features/pitch.ts';
import { loadClip } from '../../shared/src/testing/corpus.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { corpusFiles } from './frames-file.ts';

const HOP = 160;
const WIN = 400;
const N = defaultPitchOptions.frameLength;
const HISTORY = 150; // 1.5 s, as `train --pitch-noise-floor 1500`
const channels = ['clean', 'noise:20', 'noise:10', 'phone'];
const args = process.argv.length > 2 ? process.argv.slice(2) : ['1', '1.5', '2'];

const files = corpusFiles().filter((_, i) => i % 8 === 0);
const clips = await Promise.all(files.map((f) => loadClip(f)));
const audio = new Map<string, Float32Array[]>();
for (const c of channels)
  audio.set(c, await Promise.all(files.map((f, i) => applyChannel(clips[i]!, parseChannel(c), f))));

/** F0 per 10 ms frame (pitch window centred on the 25 ms frame, as the extractor) and frame energy. */
function track(x: Float32Array, options: ConstructorParameters<typeof PitchAnalyzer>[0]) {
  const pitch = new PitchAnalyzer(options);
  const left = N / 2 - WIN / 2;
  const padded = new Float32Array(x.length + N);
  padded.set(x, left);
  const out = new Float32Array(2);
  const f0: number[] = [];
  const energy: number[] = [];
  for (let at = 0; at + WIN <= x.length; at += HOP) {
    pitch.analyze(padded, at, out, 0);
    f0.push(out[0]!);
    let e = 0;
    for (let i = 0; i < WIN; i++) e += x[at + i]! ** 2;
    energy.push(e);
  }
  return { f0, energy };
}

const reference = clips.map((x) => track(x, {}));
const configs: Array<[string, ConstructorParameters<typeof PitchAnalyzer>[0]]> = [
  ['fixed threshold', {}],
  ...args.map((a): [string, ConstructorParameters<typeof PitchAnalyzer>[0]] =>
    a.startsWith('{')
      ? [a, JSON.parse(a)]
      : [`adaptive, gain ${a}`, { noiseHistory: HISTORY, noiseGain: Number(a) }],
  ),
];
console.log('| voicing | channel | clean-voiced frames lost | octave errors | quiet frames voiced |');
console.log('|---|---|---|---|---|');
for (const [name, options] of configs) {
  for (const c of channels) {
    let voiced = 0;
    let lost = 0;
    let both = 0;
    let octave = 0;
    let quiet = 0;
    let quietVoiced = 0;
    audio.get(c)!.forEach((x, k) => {
      const ref = reference[k]!;
      const t = track(x, options);
      const loudest = Math.max(...ref.energy);
      ref.f0.forEach((f, j) => {
        const active = ref.energy[j]! > loudest * 0.0025;
        const g = t.f0[j] ?? 0;
        if (!active) {
          quiet++;
          if (g > 0) quietVoiced++;
          return;
        }
        if (f > 0) {
          voiced++;
          if (g === 0) lost++;
          else {
            both++;
            if (Math.abs(Math.log2(g / f)) > 0.8) octave++;
          }
        }
      });
    });
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
    console.log(
      `| ${name} | ${c} | ${pct(lost, voiced)} | ${pct(octave, both)} | ${pct(quietVoiced, quiet)} |`,
    );
  }
}
