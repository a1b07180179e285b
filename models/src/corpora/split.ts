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

/** Speakers a user names on the command line (`--val-speakers`, `--test-speakers`). */
export interface SpeakerChoice {
  readonly val?: readonly string[];
  readonly test?: readonly string[];
}

/** {@link resolveSplitOptions}' answer: the options for {@link officialSplit}, and what was decided. */
export interface ResolvedSplit {
  readonly options: SplitOptions;
  /** One line per decision worth telling the user (named overrides, automatic validation speakers). */
  readonly notes: readonly string[];
}

/** Share of a manifest's speakers held out for validation when the user names none. */
export const AUTO_VAL_SHARE = 0.2;

/** FNV-1a, 32 bit: a stable order of speaker ids that does not follow the alphabet (or a site prefix). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The validation speakers a manifest gets when the user names none: {@link AUTO_VAL_SHARE} of its
 * speakers (at least one, rounded up), leaving at least one to train on, in a fixed hash order of the
 * ids so that `train`, `ensemble` and `evaluate --split val` all pick the same ones for the same data.
 */
export function autoValSpeakers(speakers: readonly string[]): string[] {
  const unique = [...new Set(speakers)];
  if (unique.length < 2) return [];
  const n = Math.min(unique.length - 1, Math.max(1, Math.ceil(unique.length * AUTO_VAL_SHARE)));
  return unique
    .sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, n)
    .sort();
}

/**
 * Turns user-named validation and test speakers into {@link SplitOptions} for the corpora in `items`.
 *
 * - An id is `corpus:speaker` (`ravdess:11`, `manifest:ann`) or, when only one corpus in the data
 *   has that speaker, just the speaker (`ann`). Ids not in the data are refused (a typo would
 *   otherwise silently train on a speaker meant to be held out).
 * - A corpus with named speakers gets exactly the named validation speakers, and as test speakers
 *   the named ones plus its official test speakers: a corpus's official test speakers can never be
 *   trained on or validated on by accident. Naming one as validation is refused.
 * - A manifest with no named validation speakers gets {@link autoValSpeakers}; the notes say which.
 */
export function resolveSplitOptions(
  items: Iterable<Pick<CorpusItem, 'corpus' | 'speaker'>>,
  choice: SpeakerChoice = {},
): ResolvedSplit {
  const speakersByCorpus = new Map<CorpusName, Set<string>>();
  for (const it of items) {
    const set = speakersByCorpus.get(it.corpus) ?? new Set<string>();
    set.add(it.speaker);
    speakersByCorpus.set(it.corpus, set);
  }
  const resolveId = (id: string): { corpus: CorpusName; speaker: string } => {
    const trimmed = id.trim();
    if (trimmed === '') throw new TypeError('empty speaker id in --val-speakers / --test-speakers');
    const owners = [...speakersByCorpus].filter(
      ([corpus, set]) => set.has(trimmed) || set.has(`${corpus}:${trimmed}`),
    );
    // Numeric ids match regardless of zero padding (`ravdess:1` is `ravdess:01`).
    const numeric = /^(?:([^:]+):)?(\d+)$/.exec(trimmed);
    if (owners.length === 0 && numeric) {
      const [, prefix, digits] = numeric;
      const padded = [...speakersByCorpus].flatMap(([corpus, set]) =>
        [...set]
          .filter((s) => {
            const m = /^([^:]+):(\d+)$/.exec(s);
            return m !== null && (prefix === undefined || m[1] === prefix) && Number(m[2]) === Number(digits);
          })
          .map((s) => ({ corpus, speaker: s })),
      );
      if (padded.length === 1) return padded[0] as { corpus: CorpusName; speaker: string };
      if (padded.length > 1)
        throw new TypeError(
          `speaker "${trimmed}" matches several speakers; name one of ${padded
            .map((p) => p.speaker)
            .sort()
            .join(', ')}`,
        );
    }
    if (owners.length === 0) {
      const known = [...speakersByCorpus.values()].flatMap((s) => [...s]).sort();
      const shown = known.slice(0, 12).join(', ') + (known.length > 12 ? ', ...' : '');
      throw new TypeError(`speaker "${trimmed}" is not in the data (speakers: ${shown})`);
    }
    if (owners.length > 1) {
      const ids = owners.map(([c]) => `${c}:${trimmed}`).join(', ');
      throw new TypeError(`speaker "${trimmed}" is in several corpora; name one of ${ids}`);
    }
    const [corpus, set] = owners[0] as [CorpusName, Set<string>];
    return { corpus, speaker: set.has(trimmed) ? trimmed : `${corpus}:${trimmed}` };
  };
  const val = (choice.val ?? []).map(resolveId);
  const test = (choice.test ?? []).map(resolveId);
  const rules: Partial<Record<CorpusName, SpeakerSplitRule>> = {};
  const notes: string[] = [];
  const touched = new Set([...val, ...test].map((s) => s.corpus));
  for (const corpus of touched) {
    const official = officialSplitRules[corpus];
    const v = [...new Set(val.filter((s) => s.corpus === corpus).map((s) => s.speaker))].sort();
    const namedTest = test.filter((s) => s.corpus === corpus).map((s) => s.speaker);
    const t = [...new Set([...official.test, ...namedTest])].sort();
    const lockedOut = v.filter((s) => official.test.includes(s));
    if (lockedOut.length > 0) {
      throw new TypeError(
        `${lockedOut.join(', ')}: official test speaker(s) of ${corpus} cannot be validation speakers`,
      );
    }
    const both = v.filter((s) => t.includes(s));
    if (both.length > 0) throw new TypeError(`speaker(s) named for both val and test: ${both.join(', ')}`);
    rules[corpus] = { val: v, test: t };
    notes.push(`${corpus}: val ${v.join(' ') || '(none)'}; test ${t.join(' ') || '(none)'} (named)`);
  }
  const manifest = speakersByCorpus.get('manifest');
  if (manifest && !val.some((s) => s.corpus === 'manifest')) {
    const testSpeakers = rules.manifest?.test ?? [];
    const auto = autoValSpeakers([...manifest].filter((s) => !testSpeakers.includes(s)));
    rules.manifest = { val: auto, test: testSpeakers };
    notes.push(
      auto.length > 0
        ? `manifest: validation speakers chosen automatically (${Math.round(AUTO_VAL_SHARE * 100)}% of speakers): ${auto.join(' ')}; name them with --val-speakers`
        : 'manifest: too few speakers for a validation speaker (need at least 2 outside test)',
    );
  }
  return { options: { rules }, notes };
}

/** Parses repeatable comma-separated `--val-speakers` / `--test-speakers` values. */
export function parseSpeakerList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((s) => s.trim() !== '');
}
