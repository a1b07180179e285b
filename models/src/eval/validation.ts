/**
 * A package's clip logits on the validation speakers (each speaker one session, through the server's
 * pipeline) and its figures there at a temperature: what `ensemble` fits and records its temperature
 * on, shared with the experiment that redoes that step on a finished package.
 */
import { loadModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { type LoadedCorpora, splitOptionsFromFlags } from '../cli/common.ts';
import { officialSplit } from '../corpora/split.ts';
import { type Channel, channelName, isRandomChannel, parseChannel } from './channel.ts';
import { type ClipLogits, clipLogits } from './clip-logits.ts';
import { clipProbs, computeMetrics } from './metrics.ts';

type SpeakerFlags = { valSpeakers?: string[]; testSpeakers?: string[] };

/** The validation clips of `corpora` under the user's speaker flags (the split `train` holds out). */
function validationItems(corpora: LoadedCorpora, flags: SpeakerFlags, log?: (line: string) => void) {
  return officialSplit(corpora.items, splitOptionsFromFlags(corpora.items, flags, log).options).val;
}

/** The validation speakers of `corpora` under the user's speaker flags, sorted. */
export function validationSpeakers(corpora: LoadedCorpora, flags: SpeakerFlags): string[] {
  return [...new Set(validationItems(corpora, flags).map((it) => it.speaker))].sort();
}

/**
 * Refuses to fit or record a temperature on speakers other than the ones the members held out: the
 * members that record their validation speakers (`training.valSpeakers`) must agree with each other
 * and with `speakers`, the validation speakers of the data and flags given now. A mismatch (another
 * `--val-speakers`, a forgotten `--test-speakers`, other data) would calibrate on speakers the
 * members trained on, or report figures for speakers they were not chosen on.
 */
export function assertSameValidationSpeakers(
  members: ReadonlyArray<{ dir: string; valSpeakers?: readonly string[] | undefined }>,
  speakers: readonly string[],
): void {
  const want = speakers.join(' ');
  for (const m of members) {
    if (m.valSpeakers === undefined) continue;
    const had = [...m.valSpeakers].sort().join(' ');
    if (had !== want)
      throw new Error(
        `${m.dir} held out validation speakers ${had || '(none)'}, but the data and speaker flags given here make them ${want || '(none)'}: give the --data/--manifest and --val-speakers/--test-speakers its training had`,
      );
  }
}

/** The package's clip logits on the validation speakers' clean audio. */
export async function validationLogits(
  dir: string,
  corpora: LoadedCorpora,
  flags: SpeakerFlags,
  seed: number,
): Promise<ClipLogits> {
  return (await validationLogitsOnChannels(dir, corpora, flags, seed, [{ kind: 'clean' }]))[0]!.found;
}

/**
 * The package's clip logits on the validation speakers, once per channel (each clip put through
 * the channel as `evaluate --channel` does), in the order given; with `earlyMs`, each segment's early
 * window's logits too (`found.early`). A random channel (`isRandomChannel`) is drawn `draws` times per
 * clip (as `evaluate --draws`), the draws' clips one after the other in `found`; `draws` says how many.
 */
export async function validationLogitsOnChannels(
  dir: string,
  corpora: LoadedCorpora,
  flags: SpeakerFlags,
  seed: number,
  channels: readonly Channel[],
  earlyMs = 0,
  draws = 1,
): Promise<Array<{ channel: string; found: ClipLogits; draws: number }>> {
  if (channels.length === 0) throw new Error('give at least one channel');
  const pkg = await loadModelPackage(dir);
  const items = validationItems(corpora, flags, (l) => process.stderr.write(`${l}\n`));
  const vad = await SileroVad.load();
  try {
    const out: Array<{ channel: string; found: ClipLogits; draws: number }> = [];
    for (const channel of channels) {
      const name = channelName(channel);
      const n = isRandomChannel(channel) ? draws : 1;
      const parts: ClipLogits[] = [];
      for (let draw = 0; draw < n; draw++) {
        const label = `temperature${channels.length > 1 || n > 1 ? ` (${name}${n > 1 ? `, draw ${draw + 1}/${n}` : ''})` : ''}`;
        parts.push(await clipLogits(items, pkg, { vad, seed, channel, label, earlyMs, draw }));
      }
      out.push({ channel: name, found: concatClipLogits(parts), draws: n });
    }
    return out;
  } finally {
    await vad.release();
    await pkg.engine.release();
  }
}

/** Several passes' clip logits as one (the draws of a random channel). */
function concatClipLogits(parts: readonly ClipLogits[]): ClipLogits {
  return {
    logits: parts.flatMap((p) => p.logits),
    windows: parts.flatMap((p) => p.windows),
    windowSnrDb: parts.flatMap((p) => p.windowSnrDb),
    items: parts.flatMap((p) => p.items),
    truth: parts.flatMap((p) => p.truth),
    skipped: parts.reduce((a, p) => a + p.skipped, 0),
    early: {
      logits: parts.flatMap((p) => p.early.logits),
      truth: parts.flatMap((p) => p.early.truth),
    },
  };
}

/**
 * Clips as a temperature is fitted and scored on them: each clip's window logits (`windows`), or, for
 * one-window sets such as early windows, each row of `logits` as a clip of one window.
 */
export type ClipSet = Pick<ClipLogits, 'logits' | 'truth'> & { windows?: ClipLogits['windows'] };

/** Each clip's windows' logits (a set without `windows` has one window per clip). */
function clipWindows(found: ClipSet): number[][][] {
  return found.windows ?? found.logits.map((l) => [l]);
}

/**
 * Clip logits of several channels as one set (what a temperature over channels is fitted on), each
 * clip weighted 1 / the draws of its channel, so every channel counts as much however often it was drawn.
 */
export function pooledLogits(sets: ReadonlyArray<{ found: ClipSet; draws?: number }>): {
  logits: number[][];
  windows: number[][][];
  truth: number[];
  weights: number[];
} {
  return {
    logits: sets.flatMap((s) => s.found.logits),
    windows: sets.flatMap((s) => clipWindows(s.found)),
    truth: sets.flatMap((s) => s.found.truth),
    weights: sets.flatMap((s) => s.found.logits.map(() => 1 / (s.draws ?? 1))),
  };
}

/**
 * The channels a temperature is fitted over, from a comma-separated list (`clean,phone,noise:10`):
 * each parsed as `evaluate --channel` parses it, no channel twice, `clean` first when present (the
 * figures a package records as its validation figures are the clean ones).
 */
export function parseChannelList(text: string): Channel[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new TypeError('give at least one channel, e.g. clean,phone,noise:10');
  const channels = names.map(parseChannel);
  const seen = new Set<string>();
  for (const c of channels) {
    const n = channelName(c);
    if (seen.has(n)) throw new TypeError(`channel ${n} is given twice`);
    seen.add(n);
  }
  return channels.sort((a, b) => Number(b.kind === 'clean') - Number(a.kind === 'clean'));
}

/**
 * UA, WA, macro-F1 and ECE at a temperature (the figures a package records), each clip's probabilities
 * the mean of its windows' as `evaluate` computes them.
 */
export function figuresAt(
  found: ClipSet,
  classes: readonly string[],
  temperature: number,
): { ua: number; wa: number; macroF1: number; ece: number } {
  const m = computeMetrics(
    clipWindows(found).map((w) => clipProbs(w, temperature)),
    found.truth,
    classes,
  );
  return { ua: m.ua, wa: m.wa, macroF1: m.macroF1, ece: m.ece };
}
