/**
 * How good is the early, provisional emotion (`options.earlyMs`) against the full analysis of the same
 * speech? On the official test speakers (never trained on), each speaker's clips analysed as one
 * session through the server's code path (`analyzeSamples`, as `evaluate` does), with an early window
 * after `earlyMs` of each segment: for the clips that get one, UA, accuracy and ECE of the early
 * window alone against those of the clip's full analysis (its other windows, as `evaluate` scores it),
 * and how often the two agree.
 *
 *   npx tsx models/experiments/early-window.ts [package dir, default models/default] [earlyMs...]
 */
import { analyzeSamples } from '@emostream/server/core/clip-analysis';
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { loadCorpora } from '../src/cli/common.ts';
import { getLabelSet } from '../src/corpora/labels.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { speakerSessions } from '../src/eval/evaluate.ts';
import { computeMetrics } from '../src/eval/metrics.ts';
import { progress } from '../src/util/progress.ts';

const [dir = 'models/default', ...rest] = process.argv.slice(2);
const earlies = rest.length ? rest.map(Number) : [1000, 1500, 2000];
const pkg = await loadModelPackage(dir);
const { classes } = pkg.config;
const labels = getLabelSet(pkg.config.labelSet);
const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const items = officialSplit(corpora.items).test.flatMap((item) => {
  const mapped = labels.map(item.label);
  const cls = mapped === null ? -1 : classes.indexOf(mapped);
  return cls < 0 ? [] : [{ item, cls }];
});

const argmax = (p: readonly number[]) => p.reduce((b, v, j) => (v > p[b]! ? j : b), 0);
const f3 = (x: number) => x.toFixed(3);
console.log(`${dir}, official test speakers, ${items.length} clips\n`);
console.log(
  '| earlyMs | corpus | clips with an early window | early UA | early acc | early ECE | full UA (same clips) | full acc | agree |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const earlyMs of earlies) {
  const rows: Array<{ corpus: string; truth: number; early: number[]; full: number[] }> = [];
  const bar = progress(`earlyMs ${earlyMs}`, items.length);
  for (const list of speakerSessions(items, (s) => s.item, 1)) {
    let session: NormalizerState | undefined;
    for (const { item, cls } of list) {
      const r = await analyzeSamples((await decodeAudioFile(item.path)).samples, pkg, {
        vad,
        session,
        earlyMs,
      });
      session = r.session;
      bar.tick();
      const early = r.windows.find((w) => w.kind === 'early');
      if (early && r.clip)
        rows.push({ corpus: item.corpus, truth: cls, early: early.probs, full: r.clip.probs });
    }
  }
  bar.stop();
  for (const corpus of ['ravdess', 'emodb']) {
    const mine = rows.filter((r) => r.corpus === corpus);
    const all = items.filter((i) => i.item.corpus === corpus).length;
    const truth = mine.map((r) => r.truth);
    const e = computeMetrics(
      mine.map((r) => r.early),
      truth,
      classes,
    );
    const f = computeMetrics(
      mine.map((r) => r.full),
      truth,
      classes,
    );
    const agree = mine.filter((r) => argmax(r.early) === argmax(r.full)).length / mine.length;
    console.log(
      `| ${earlyMs} | ${corpus} | ${mine.length} / ${all} | ${f3(e.ua)} | ${f3(e.wa)} | ${f3(e.ece)} | ${f3(f.ua)} | ${f3(f.wa)} | ${f3(agree)} |`,
    );
  }
}
await vad.release();
await pkg.engine.release();
