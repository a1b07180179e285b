/**
 * Is a package calibrated where the product uses its confidence: per window (every live event, and its
 * `uncertain` flag), or only per clip (what `evaluate` scores)? On the validation speakers of a package
 * trained without them, each speaker's clips analysed as one session (the server's code path):
 *   npx tsx models/experiments/window-calibration.ts <held-out package dir>
 * prints, at the package's temperature and at temperatures fitted per window and per clip, the ECE and
 * mean confidence vs accuracy of the windows and of the clips (a clip = the mean of its windows'
 * probabilities, as `evaluate` scores it), and the share of windows flagged uncertain (< 0.55).
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
import { computeMetrics, fitTemperature, softmax } from '../src/eval/metrics.ts';

const pkg = await loadModelPackage(process.argv[2]!);
const { classes } = pkg.config;
const labelSet = getLabelSet(pkg.config.labelSet);
const vad = await SileroVad.load();
const corpora = await loadCorpora(['../shared/data/ravdess', '../shared/data/emodb'], []);
const val = officialSplit(corpora.items).val.filter((it) => {
  const m = labelSet.map(it.label);
  return m !== null && classes.includes(m);
});
const clips: { logits: number[][]; truth: number; corpus: string }[] = [];
for (const list of speakerSessions(val, (it) => it, 1)) {
  let session: NormalizerState | undefined;
  for (const it of list) {
    const r = await analyzeSamples((await decodeAudioFile(it.path)).samples, pkg, { vad, session });
    session = r.session;
    if (r.windows.length)
      clips.push({
        logits: r.windows.map((w) => w.logits),
        truth: classes.indexOf(labelSet.map(it.label)!),
        corpus: it.corpus,
      });
  }
}
await vad.release();
await pkg.engine.release();

const windowLogits = clips.flatMap((c) => c.logits);
const windowTruth = clips.flatMap((c) => c.logits.map(() => c.truth));
const meanLogits = clips.map((c) =>
  classes.map((_, j) => c.logits.reduce((a, l) => a + l[j]!, 0) / c.logits.length),
);
const temps: Record<string, number> = {
  package: pkg.config.temperature,
  'fitted per window': fitTemperature(windowLogits, windowTruth),
  'fitted per clip (mean logits, as train/ensemble fit)': fitTemperature(
    meanLogits,
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
