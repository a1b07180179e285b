/**
 * Is a package calibrated where the product uses its confidence: per window (every live event, and its
 * `uncertain` flag), or only per clip (what `evaluate` scores)? On the validation speakers of a package
 * trained without them, each speaker's clips analysed as one session (the server's code path):
 *   npx tsx models/experiments/window-calibration.ts <held-out package dir>
 * prints, at the package's temperature and at temperatures fitted per window and per clip, the ECE and
 * mean confidence vs accuracy of the windows and of the clips (a clip = the mean of its windows'
 * probabilities, as `evaluate` scores it), and the share of windows flagged uncertain (< 0.55).
 */
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { loadCorpora } from '../src/cli/common.ts';
import { officialSplit } from '../src/corpora/split.ts';
import { clipLogits } from '../src/eval/clip-logits.ts';
import { computeMetrics, fitTemperature, softmax } from '../src/eval/metrics.ts';

const pkg = await loadModelPackage(process.argv[2]!);
const { classes } = pkg.config;
const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const found = await clipLogits(officialSplit(corpora.items).val, pkg, { vad, seed: 1 });
await vad.release();
await pkg.engine.release();
const clips = found.windows.map((logits, i) => ({
  logits,
  truth: found.truth[i]!,
  corpus: found.items[i]!.corpus,
}));

const windowLogits = clips.flatMap((c) => c.logits);
const windowTruth = clips.flatMap((c) => c.logits.map(() => c.truth));
const temps: Record<string, number> = {
  package: pkg.config.temperature,
  'fitted per window': fitTemperature(windowLogits, windowTruth),
  'fitted per clip (mean logits, as train/ensemble fit)': fitTemperature(
    found.logits,
    clips.map((c) => c.truth),
  ),
};
const summary = (rows: ArrayLike<number>[], truth: number[]) => {
  const probs = rows.map((p) => Array.from(p));
  const m = computeMetrics(probs, truth, classes);
  const conf = probs.reduce((a, p) => a + Math.max(...p), 0) / probs.length;
  const acc = probs.filter((p, i) => p.indexOf(Math.max(...p)) === truth[i]).length / probs.length;
  return `ECE ${m.ece.toFixed(3)}, conf ${conf.toFixed(3)} acc ${acc.toFixed(3)}`;
};
console.log(
  `${clips.length} clips, ${windowLogits.length} windows (${(windowLogits.length / clips.length).toFixed(2)} per clip)`,
);
for (const [name, t] of Object.entries(temps)) {
  const wp = windowLogits.map((l) => softmax(l, t));
  const cp = clips.map((c) => {
    const ps = c.logits.map((l) => softmax(l, t));
    return classes.map((_, j) => ps.reduce((a, p) => a + p[j]!, 0) / ps.length);
  });
  const uncertain = wp.filter((p) => Math.max(...p) < 0.55).length / wp.length;
  console.log(
    `T ${t.toFixed(3)} (${name}): windows ${summary(wp, windowTruth)}, uncertain ${(100 * uncertain).toFixed(1)}%; clips ${summary(
      cp,
      clips.map((c) => c.truth),
    )}`,
  );
  for (const corpus of ['ravdess', 'emodb']) {
    const idx = clips.map((c, i) => (c.corpus === corpus ? i : -1)).filter((i) => i >= 0);
    const w = idx.flatMap((i) => clips[i]!.logits.map((l) => softmax(l, t)));
    const wt = idx.flatMap((i) => clips[i]!.logits.map(() => clips[i]!.truth));
    console.log(
      `  ${corpus}: windows ${summary(w, wt)}; clips ${summary(
        idx.map((i) => cp[i]!),
        idx.map((i) => clips[i]!.truth),
      )}`,
    );
  }
}
