/**
 * Session 13's calibration comparison measured again with three draws per clip (session 14). Session 13
 * compared the clean-fitted temperature (0.6941) with the channel-pooled one (0.7695) on the test
 * speakers over the card's channels, with one draw of each random channel per clip, seeded by the
 * clip's absolute path. Session 14 found one draw moves a figure on EmoDB's 104 clips by up to 4
 * points, so this repeats the comparison with three draws per clip, seeded by speaker and file name
 * (`clipKey`): ECE and mean confidence - accuracy per corpus and channel at both temperatures, and
 * their mean over the twelve corpus-channel cells.
 *
 *   npx tsx models/experiments/channel-calibration-draws.ts [package dir, default models/default]
 */
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { parseChannel } from '../src/eval/channel.ts';
import { type EvaluationResult, evaluateModel } from '../src/eval/evaluate.ts';

const [dir = 'models/default'] = process.argv.slice(2);
const loaded = await loadModelPackage(dir);
const vad = await SileroVad.load();
const CHANNELS = ['clean', 'peak', 'randgain:10', 'phone', 'noise:20', 'noise:10'];
const TEMPERATURES: Array<[string, number]> = [
  ['clean-fitted (before session 13)', 0.694071264202822],
  ['channel-pooled (shipped)', loaded.config.temperature],
];
const meanConfidence = (r: EvaluationResult) => {
  const n = r.reliability.reduce((a, b) => a + b.count, 0);
  return n ? r.reliability.reduce((a, b) => a + b.count * b.confidenceMean, 0) / n : 0;
};
const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '-'}${f3(Math.abs(x))}`;
console.log(`${dir}: test speakers, session adaptation, 3 draws per clip of the random channels\n`);
console.log(`| temperature | corpus | ${CHANNELS.join(' | ')} | mean |`);
console.log(`|---|---|${CHANNELS.map(() => '---|').join('')}---|`);
const means: Record<string, number[]> = {};
for (const [name, t] of TEMPERATURES) {
  const pkg = { ...loaded, config: { ...loaded.config, temperature: t } };
  for (const folder of ['../shared/data/ravdess', '../shared/data/emodb']) {
    const corpora = await loadCorpora([folder], []);
    const items = officialSplit(corpora.items).test;
    const cells: string[] = [];
    for (const c of CHANNELS) {
      const r = await evaluateModel(items, pkg, {
        vad,
        adapt: 'session',
        seed: 1,
        channel: parseChannel(c),
        draws: 3,
        quiet: true,
      });
      cells.push(`${f3(r.ece)} (${signed(meanConfidence(r) - r.wa)})`);
      (means[name] ??= []).push(r.ece);
    }
    const own = means[name]!.slice(-CHANNELS.length);
    console.log(
      `| ${name} ${f3(t)} | ${items[0]!.corpus} | ${cells.join(' | ')} | ${f3(own.reduce((a, b) => a + b, 0) / own.length)} |`,
    );
  }
}
console.log('');
for (const [name] of TEMPERATURES) {
  const all = means[name]!;
  console.log(
    `${name}: mean ECE over the ${all.length} cells ${f3(all.reduce((a, b) => a + b, 0) / all.length)}`,
  );
}
await loaded.engine.release();
await vad.release();
