/**
 * A package's clip logits on the validation speakers (each speaker one session, through the server's
 * pipeline) and its figures there at a temperature: what `ensemble` fits and records its temperature
 * on, shared with the experiment that redoes that step on a finished package.
 */
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { type LoadedCorpora, splitOptionsFromFlags } from '../cli/common.ts';
import { officialSplit } from '../corpora/split.ts';
import { type ClipLogits, clipLogits } from './clip-logits.ts';
import { computeMetrics, softmax } from './metrics.ts';

export async function validationLogits(
  dir: string,
  corpora: LoadedCorpora,
  flags: { valSpeakers?: string[]; testSpeakers?: string[] },
  seed: number,
): Promise<ClipLogits> {
  const pkg = await loadModelPackage(dir);
  const split = splitOptionsFromFlags(corpora.items, flags, (l) => process.stderr.write(`${l}\n`));
  const vad = await SileroVad.load();
  try {
    return await clipLogits(officialSplit(corpora.items, split.options).val, pkg, { vad, seed });
  } finally {
    await vad.release();
    await pkg.engine.release();
  }
}

/** UA, WA, macro-F1 and ECE of clip logits at a temperature (the figures a package records). */
export function figuresAt(
  found: Pick<ClipLogits, 'logits' | 'truth'>,
  classes: readonly string[],
  temperature: number,
): { ua: number; wa: number; macroF1: number; ece: number } {
  const m = computeMetrics(
    found.logits.map((l) => softmax(l, temperature)),
    found.truth,
    classes,
  );
  return { ua: m.ua, wa: m.wa, macroF1: m.macroF1, ece: m.ece };
}
