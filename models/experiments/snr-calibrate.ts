/**
 * Session 16: what `calibrate --snr-temperature` gives a user whose calls vary in noise, measured on
 * speakers the calibration never saw. A held-out package's validation speakers (never trained on) are
 * split in two folds; each fold's clips under five channels (clean, pink noise at 30, 20, 10 and 5 dB
 * SNR, one draw per clip) stand in for a user's labelled calls. On one fold the temperature is refitted
 * as `calibrate` does, then the SNR rule on top (`fitSnrTemperature`); the other fold's ECE per channel
 * is measured with and without the rule. Then the folds swap.
 *
 *   npx tsx models/experiments/snr-calibrate.ts [package, default /tmp/s13/ho-ch]
 */
import { readFileSync } from 'node:fs';
import { loadCorpora } from '../src/cli/common.ts';
import { parseChannel } from '../src/eval/channel.ts';
import type { ClipLogits } from '../src/eval/clip-logits.ts';
import { computeMetrics, fitTemperature } from '../src/eval/metrics.ts';
import { fitSnrTemperature, type SnrClip, snrClipProbs } from '../src/eval/snr-temperature.ts';
import { validationLogitsOnChannels } from '../src/eval/validation.ts';

const dir = process.argv[2] ?? '/tmp/s13/ho-ch';
const CHANNELS = ['clean', 'noise:30', 'noise:20', 'noise:10', 'noise:5'];
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const sets = await validationLogitsOnChannels(dir, corpora, {}, 1, CHANNELS.map(parseChannel));
const { classes } = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { classes: string[] };
const speakers = [...new Set(sets[0]!.found.items.map((i) => i.speaker))].sort();
const folds = [speakers.filter((_, i) => i % 2 === 0), speakers.filter((_, i) => i % 2 === 1)];

const pick = (found: ClipLogits, keep: readonly string[]) => {
  const idx = found.items.flatMap((it, i) => (keep.includes(it.speaker) ? [i] : []));
  return {
    logits: idx.map((i) => found.logits[i]!),
    clips: idx.map(
      (i): SnrClip => ({ windows: found.windows[i]!, snrDb: found.windowSnrDb[i]!, truth: found.truth[i]! }),
    ),
  };
};

const f3 = (x: number) => x.toFixed(3);
console.log(`${dir}: validation speakers in two folds (${folds.map((f) => f.join(' ')).join(' | ')})\n`);
console.log(`| fitted on | T | rule | evaluated on | ${CHANNELS.join(' | ')} | mean |`);
console.log(`|---|---|---|---|${CHANNELS.map(() => '---|').join('')}---|`);
for (const [fit, test] of [
  [0, 1],
  [1, 0],
] as const) {
  const train = sets.map((s) => pick(s.found, folds[fit]!));
  const T = fitTemperature(
    train.flatMap((t) => t.logits),
    train.flatMap((t) => t.clips.map((c) => c.truth)),
  );
  const rule = fitSnrTemperature(
    train.flatMap((t) => t.clips),
    T,
    classes,
  ).snrTemperature;
  const ruleText = rule
    ? `knee ${rule.kneeDb} dB, slope ${rule.slopePerDb.toFixed(3)}/dB`
    : 'none (no NLL gain)';
  for (const withRule of [false, true]) {
    const cells = sets.map((s) => {
      const { clips } = pick(s.found, folds[test]!);
      return computeMetrics(
        clips.map((c) => snrClipProbs(c, T, withRule ? rule : undefined)),
        clips.map((c) => c.truth),
        classes,
      ).ece;
    });
    console.log(
      `| fold ${fit + 1} | ${f3(T)} | ${withRule ? ruleText : 'one T'} | fold ${test + 1} | ${cells.map(f3).join(' | ')} | ${f3(cells.reduce((a, b) => a + b, 0) / cells.length)} |`,
    );
  }
}
