/**
 * The official speaker-independent split. Emotion models learn speaker identity as readily as
 * emotion, so a split that shares speakers between train and test reports accuracy the product
 * will never see on a new voice. Whole speakers are therefore assigned to train, val or test, by
 * fixed lists, so every run and every model card refers to the same partition.
 */
import type { CorpusItem, CorpusName } from './types.ts';

/** The three partitions. */
export type SplitName = 'train' | 'val' | 'test';

/** Items grouped by partition (a type alias so it fits {@link assertSpeakerDisjoint}'s record). */
export type Splits<T> = {
  train: T[];
  val: T[];
  test: T[];
};

/** Validation and test speakers (global ids) of one corpus; all its other speakers are train. */
export interface SpeakerSplitRule {
  readonly val: readonly string[];
  readonly test: readonly string[];
}

function ids(corpus: string, fields: readonly (string | number)[]): string[] {
  return fields.map((f) => `${corpus}:${f}`);
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

/**
 * The official rule per corpus.
 *
 * - RAVDESS (24 actors, odd male): test 19-24 (fixed by the product), val 15-18 (two men, two
 *   women). Four validation actors rather than two because checkpoint choice and temperature
 *   scaling are fitted on val, and with two actors the estimate is dominated by two voices; train
 *   keeps 14 actors (840 files).
 * - EmoDB (03 10 11 12 15 male, 08 09 13 14 16 female): test 15 and 16 (fixed by the product),
 *   val 11 (male) and 13 (female): one per gender, both with every emotion including the scarce
 *   disgust (speaker 08 has none), 116 files.
 * - CREMA-D (91 actors): test 1082-1091, val 1072-1081, the last ids, so the rule needs no
 *   demographics file; gender balance is not guaranteed because it is not in the names.
 * - SAVEE (4 men): test KL, val JK, train DC and JE. Four speakers allow no more.
 * - TESS (2 women): test YAF, train OAF, no val. With two speakers a speaker-independent val would
 *   leave nothing to train on, so TESS adds test (cross-age) evidence and training data only.
 * - Manifests: everything is train; users name their val and test speakers in {@link SplitOptions}.
 */
export const officialSplitRules: Readonly<Record<CorpusName, SpeakerSplitRule>> = Object.freeze({
  ravdess: {
    val: ids('ravdess', ['15', '16', '17', '18']),
    test: ids('ravdess', ['19', '20', '21', '22', '23', '24']),
  },
  emodb: { val: ids('emodb', ['11', '13']), test: ids('emodb', ['15', '16']) },
  cremad: { val: ids('cremad', range(1072, 1081)), test: ids('cremad', range(1082, 1091)) },
  savee: { val: ids('savee', ['JK']), test: ids('savee', ['KL']) },
  tess: { val: [], test: ids('tess', ['YAF']) },
  manifest: { val: [], test: [] },
});

/** Options of {@link splitOf} and {@link officialSplit}. */
export interface SplitOptions {
  /**
   * Rules that replace the official rule of their corpus, e.g. for a manifest:
   * `{ manifest: { val: ['manifest:ann'], test: ['manifest:bob', 'manifest:eve'] } }`.
   * Speaker ids must carry their corpus prefix, and val and test must not share one.
   */
  rules: Partial<Record<CorpusName, SpeakerSplitRule>>;
}

/** No overrides: the official split. */
export const defaultSplitOptions: SplitOptions = Object.freeze({ rules: Object.freeze({}) });

type Splitter = (item: Pick<CorpusItem, 'corpus' | 'speaker'>) => SplitName;

function makeSplitter(options: Partial<SplitOptions>): Splitter {
  const rules: Record<string, SpeakerSplitRule> = { ...officialSplitRules };
  for (const [corpus, rule] of Object.entries(options.rules ?? {})) {
    if (!Object.hasOwn(officialSplitRules, corpus)) {
      throw new TypeError(
        `split rules: unknown corpus "${corpus}"; known: ${Object.keys(officialSplitRules).join(', ')}`,
      );
    }
    if (rule === undefined) continue;
    const foreign = [...rule.val, ...rule.test].filter((s) => !s.startsWith(`${corpus}:`));
    if (foreign.length > 0) {
      throw new TypeError(
        `split rules for ${corpus}: speakers without the "${corpus}:" prefix: ${foreign.join(', ')}`,
      );
    }
    const both = rule.val.filter((s) => rule.test.includes(s));
    if (both.length > 0) {
      throw new TypeError(`split rules for ${corpus}: speakers in both val and test: ${both.join(', ')}`);
    }
    rules[corpus] = rule;
  }
  const assigned = new Map<string, SplitName>();
  for (const rule of Object.values(rules)) {
    for (const s of rule.val) assigned.set(s, 'val');
    for (const s of rule.test) assigned.set(s, 'test');
  }
  return (item) => {
    if (!Object.hasOwn(rules, item.corpus)) {
      throw new TypeError(`unknown corpus "${item.corpus}" (${item.speaker})`);
    }
    // Rules are keyed by prefixed ids, so an unprefixed speaker would silently land in train.
    if (!item.speaker.startsWith(`${item.corpus}:`)) {
      throw new TypeError(`speaker "${item.speaker}" lacks the "${item.corpus}:" prefix of its corpus`);
    }
    return assigned.get(item.speaker) ?? 'train';
  };
}

const officialSplitter = makeSplitter(defaultSplitOptions);

/**
 * The partition of one item: `test` or `val` when its speaker is listed in its corpus's rule
 * (official or overridden), otherwise `train`. Throws a `TypeError` on invalid overrides and on an
 * item whose speaker id lacks its corpus prefix.
 */
export function splitOf(
  item: Pick<CorpusItem, 'corpus' | 'speaker'>,
  options?: Partial<SplitOptions>,
): SplitName {
  return (options === undefined ? officialSplitter : makeSplitter(options))(item);
}

/**
 * Partitions items by speaker (see {@link officialSplitRules}), keeping their order within each
 * partition, and checks the result with {@link assertSpeakerDisjoint}.
 *
 * @example
 * const { train, val, test } = officialSplit([...ravdess.items, ...emodb.items]);
 */
export function officialSplit<T extends Pick<CorpusItem, 'corpus' | 'speaker'>>(
  items: Iterable<T>,
  options?: Partial<SplitOptions>,
): Splits<T> {
  const splitter = options === undefined ? officialSplitter : makeSplitter(options);
  const splits: Splits<T> = { train: [], val: [], test: [] };
  for (const item of items) splits[splitter(item)].push(item);
  assertSpeakerDisjoint(splits);
  return splits;
}

/**
 * Throws an `Error` listing every speaker found in more than one of the named partitions, with the
 * partitions it appears in. Works on any grouping (train/val/test, cross-validation folds, a split
 * read back from disk), since a leak is as damaging wherever it comes from.
 */
export function assertSpeakerDisjoint(
  splits: Readonly<Record<string, Iterable<Pick<CorpusItem, 'speaker'>>>>,
): void {
  const where = new Map<string, Set<string>>();
  for (const [name, items] of Object.entries(splits)) {
    for (const { speaker } of items) {
      const names = where.get(speaker) ?? new Set<string>();
      names.add(name);
      where.set(speaker, names);
    }
  }
  const overlaps = [...where].filter(([, names]) => names.size > 1).sort(([a], [b]) => (a < b ? -1 : 1));
  if (overlaps.length > 0) {
    const list = overlaps.map(([speaker, names]) => `${speaker} (${[...names].join(', ')})`).join('; ');
    throw new Error(`speaker overlap between splits, ${overlaps.length} speaker(s): ${list}`);
  }
}
