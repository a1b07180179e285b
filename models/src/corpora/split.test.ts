import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { countByClass, labelSets } from './labels.ts';
import { scanCorpus } from './scan.ts';
import {
  assertSpeakerDisjoint,
  autoValSpeakers,
  officialSplit,
  officialSplitRules,
  parseSpeakerList,
  resolveSplitOptions,
  type SplitName,
  splitOf,
} from './split.ts';
import { EMODB_DIR, RAVDESS_DIR } from './test-data.ts';
import type { CorpusItem, CorpusName } from './types.ts';

const speakersOf = (items: readonly CorpusItem[]) => [...new Set(items.map((i) => i.speaker))].sort();
const item = (corpus: CorpusName, speaker: string): CorpusItem => ({
  path: `/x/${speaker}.wav`,
  corpus,
  speaker,
  label: 'neutral',
  meta: {},
});

describe('officialSplit on RAVDESS + EmoDB', () => {
  let items: CorpusItem[] = [];
  beforeAll(async () => {
    items = [...(await scanCorpus(RAVDESS_DIR)).items, ...(await scanCorpus(EMODB_DIR)).items];
  });

  it('assigns the documented speakers and keeps every item', () => {
    const { train, val, test } = officialSplit(items);
    expect(train.length + val.length + test.length).toBe(1975);
    expect(speakersOf(test)).toEqual([
      'emodb:15',
      'emodb:16',
      'ravdess:19',
      'ravdess:20',
      'ravdess:21',
      'ravdess:22',
      'ravdess:23',
      'ravdess:24',
    ]);
    expect(speakersOf(val)).toEqual([
      'emodb:11',
      'emodb:13',
      'ravdess:15',
      'ravdess:16',
      'ravdess:17',
      'ravdess:18',
    ]);
    expect(speakersOf(train)).toHaveLength(20);
    expect([train.length, val.length, test.length]).toEqual([1132, 356, 487]);
  });

  it('has no speaker in two splits', () => {
    const splits = officialSplit(items);
    expect(() => assertSpeakerDisjoint(splits)).not.toThrow();
    const all = [...speakersOf(splits.train), ...speakersOf(splits.val), ...speakersOf(splits.test)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('balances gender in val and test, per corpus', () => {
    const { val, test } = officialSplit(items);
    for (const split of [val, test]) {
      for (const corpus of ['ravdess', 'emodb']) {
        const genders = split.filter((i) => i.corpus === corpus).map((i) => `${i.speaker} ${i.meta.gender}`);
        const male = new Set(genders.filter((g) => g.endsWith(' male'))).size;
        const female = new Set(genders.filter((g) => g.endsWith(' female'))).size;
        expect(male, `${corpus}`).toBe(female);
      }
    }
  });

  it('gives these ekman7 counts per split (boredom excluded)', () => {
    const { train, val, test } = officialSplit(items);
    const ekman7 = labelSets.ekman7;
    expect(countByClass(train, ekman7)).toEqual({
      counts: { neutral: 213, happy: 148, sad: 149, angry: 189, fearful: 149, disgust: 132, surprised: 112 },
      excluded: 40,
    });
    expect(countByClass(val, ekman7)).toEqual({
      counts: { neutral: 66, happy: 50, sad: 44, angry: 55, fearful: 49, disgust: 42, surprised: 32 },
      excluded: 18,
    });
    expect(countByClass(test, ekman7)).toEqual({
      counts: { neutral: 88, happy: 65, sad: 61, angry: 75, fearful: 63, disgust: 64, surprised: 48 },
      excluded: 23,
    });
  });

  it('is a function of the speaker alone, whatever the item order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(items, { minLength: 1 }), (subset) => {
        const splits = officialSplit(subset);
        for (const name of ['train', 'val', 'test'] as const) {
          for (const i of splits[name]) if (splitOf(i) !== name) return false;
        }
        return true;
      }),
      { numRuns: 20 },
    );
  });
});

describe('official rules of the other corpora', () => {
  it('put the documented speakers in val and test', () => {
    const cases: [CorpusName, string, SplitName][] = [
      ['cremad', 'cremad:1001', 'train'],
      ['cremad', 'cremad:1071', 'train'],
      ['cremad', 'cremad:1072', 'val'],
      ['cremad', 'cremad:1081', 'val'],
      ['cremad', 'cremad:1082', 'test'],
      ['cremad', 'cremad:1091', 'test'],
      ['tess', 'tess:OAF', 'train'],
      ['tess', 'tess:YAF', 'test'],
      ['savee', 'savee:DC', 'train'],
      ['savee', 'savee:JE', 'train'],
      ['savee', 'savee:JK', 'val'],
      ['savee', 'savee:KL', 'test'],
      ['manifest', 'manifest:anyone', 'train'],
    ];
    for (const [corpus, speaker, split] of cases) expect(splitOf(item(corpus, speaker)), speaker).toBe(split);
  });

  it('never list a speaker in both val and test, and carry their corpus prefix', () => {
    for (const [corpus, rule] of Object.entries(officialSplitRules)) {
      expect(rule.val.filter((s) => rule.test.includes(s))).toEqual([]);
      for (const s of [...rule.val, ...rule.test]) expect(s.startsWith(`${corpus}:`)).toBe(true);
    }
  });
});

describe('split options', () => {
  const manifestItems = ['ann', 'bob', 'eve', 'joe'].map((s) => item('manifest', `manifest:${s}`));

  it('put a manifest wholly in train by default', () => {
    const { train, val, test } = officialSplit(manifestItems);
    expect([train.length, val.length, test.length]).toEqual([4, 0, 0]);
  });

  it('take val and test speakers for a corpus from the options', () => {
    const options = {
      rules: { manifest: { val: ['manifest:ann'], test: ['manifest:bob', 'manifest:eve'] } },
    };
    const { train, val, test } = officialSplit(manifestItems, options);
    expect([speakersOf(train), speakersOf(val), speakersOf(test)]).toEqual([
      ['manifest:joe'],
      ['manifest:ann'],
      ['manifest:bob', 'manifest:eve'],
    ]);
    expect(splitOf(item('manifest', 'manifest:ann'), options)).toBe('val');
    // Other corpora keep their official rule.
    expect(splitOf(item('ravdess', 'ravdess:20'), options)).toBe('test');
  });

  it('replace the official rule of a corpus when overridden', () => {
    const options = { rules: { ravdess: { val: ['ravdess:01'], test: ['ravdess:02'] } } };
    expect(splitOf(item('ravdess', 'ravdess:20'), options)).toBe('train');
    expect(splitOf(item('ravdess', 'ravdess:02'), options)).toBe('test');
  });

  it('throw a TypeError on contradictory or misprefixed lists', () => {
    const one = item('manifest', 'manifest:ann');
    expect(() =>
      splitOf(one, { rules: { manifest: { val: ['manifest:ann'], test: ['manifest:ann'] } } }),
    ).toThrow(/speakers in both val and test: manifest:ann/);
    expect(() => splitOf(one, { rules: { manifest: { val: ['ann'], test: [] } } })).toThrow(
      /without the "manifest:" prefix: ann/,
    );
    expect(() => officialSplit([one], { rules: { iemocap: { val: [], test: [] } } as never })).toThrow(
      /unknown corpus "iemocap"/,
    );
  });

  it('throw on an item whose speaker lacks its corpus prefix', () => {
    expect(() => splitOf(item('ravdess', '19'))).toThrow(/speaker "19" lacks the "ravdess:" prefix/);
  });
});

describe('assertSpeakerDisjoint', () => {
  it('throws listing every overlapping speaker and its splits', () => {
    const splits = {
      train: [item('ravdess', 'ravdess:01'), item('ravdess', 'ravdess:19'), item('emodb', 'emodb:15')],
      val: [item('ravdess', 'ravdess:17'), item('emodb', 'emodb:15')],
      test: [item('ravdess', 'ravdess:19'), item('ravdess', 'ravdess:20')],
    };
    expect(() => assertSpeakerDisjoint(splits)).toThrow(
      'speaker overlap between splits, 2 speaker(s): emodb:15 (train, val); ravdess:19 (train, test)',
    );
  });

  it('accepts disjoint groupings of any names, including empty ones', () => {
    expect(() =>
      assertSpeakerDisjoint({ fold1: [item('tess', 'tess:OAF')], fold2: [], fold3: [] }),
    ).not.toThrow();
    expect(() => assertSpeakerDisjoint({})).not.toThrow();
  });
});

describe('resolveSplitOptions: user-named and automatic validation speakers', () => {
  const manifestItems = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'].map((s) =>
    item('manifest', `manifest:${s}`),
  );
  const corpusItems = [
    ...['11', '12', '15', '19'].map((s) => item('ravdess', `ravdess:${s}`)),
    item('emodb', 'emodb:03'),
    item('emodb', 'emodb:15'),
  ];

  it('gives a manifest 20% of its speakers as validation when none are named, and says so', () => {
    const { options, notes } = resolveSplitOptions(manifestItems);
    const { train, val, test } = officialSplit(manifestItems, options);
    expect(speakersOf(val)).toHaveLength(2);
    expect(train).toHaveLength(8);
    expect(test).toHaveLength(0);
    expect(notes.join('\n')).toContain(speakersOf(val).join(' '));
    // Deterministic and independent of item order: train, ensemble and evaluate agree.
    const again = resolveSplitOptions([...manifestItems].reverse()).options;
    expect(speakersOf(officialSplit(manifestItems, again).val)).toEqual(speakersOf(val));
  });

  it('takes named speakers with or without their corpus prefix', () => {
    const { options } = resolveSplitOptions(manifestItems, { val: ['ann', 'manifest:bob'], test: ['cy'] });
    const { val, test } = officialSplit(manifestItems, options);
    expect(speakersOf(val)).toEqual(['manifest:ann', 'manifest:bob']);
    expect(speakersOf(test)).toEqual(['manifest:cy']);
  });

  it('replaces a corpus validation speakers but always keeps its official test speakers', () => {
    const { options } = resolveSplitOptions(corpusItems, {
      val: ['ravdess:11', 'emodb:03'],
      test: ['ravdess:15'],
    });
    const { train, val, test } = officialSplit(corpusItems, options);
    expect(speakersOf(val)).toEqual(['emodb:03', 'ravdess:11']);
    expect(speakersOf(test)).toEqual(['emodb:15', 'ravdess:15', 'ravdess:19']);
    expect(speakersOf(train)).toEqual(['ravdess:12']);
  });

  it('matches numeric ids whatever their zero padding', () => {
    const { options } = resolveSplitOptions(corpusItems, { val: ['ravdess:011', 'emodb:3'] });
    expect(speakersOf(officialSplit(corpusItems, options).val)).toEqual(['emodb:03', 'ravdess:11']);
    expect(() => resolveSplitOptions(corpusItems, { val: ['ravdess:3'] })).toThrow(/not in the data/);
    expect(() => resolveSplitOptions(corpusItems, { val: ['015'] })).toThrow(
      /name one of emodb:15, ravdess:15/,
    );
    // Within one corpus too: never a guess.
    const padded = [
      item('manifest', 'manifest:1'),
      item('manifest', 'manifest:01'),
      item('manifest', 'manifest:2'),
    ];
    expect(() => resolveSplitOptions(padded, { val: ['manifest:001'] })).toThrow(
      /name one of manifest:01, manifest:1/,
    );
    expect(
      speakersOf(officialSplit(padded, resolveSplitOptions(padded, { val: ['02'] }).options).val),
    ).toEqual(['manifest:2']);
  });

  it('leaves corpora nobody named on the official rule', () => {
    const { options, notes } = resolveSplitOptions(corpusItems, {});
    expect(notes).toEqual([]);
    expect(officialSplit(corpusItems, options)).toEqual(officialSplit(corpusItems));
  });

  it('refuses unknown, ambiguous, official-test and doubly named speakers', () => {
    expect(() => resolveSplitOptions(corpusItems, { val: ['ravdess:99'] })).toThrow(/not in the data/);
    expect(() => resolveSplitOptions(corpusItems, { val: ['15'] })).toThrow(/several corpora/);
    expect(() => resolveSplitOptions(corpusItems, { val: ['ravdess:19'] })).toThrow(/official test/);
    expect(() => resolveSplitOptions(manifestItems, { val: ['ann'], test: ['ann'] })).toThrow(/both val/);
    expect(() => resolveSplitOptions(manifestItems, { val: [' '] })).toThrow(/empty speaker/);
  });

  it('property: automatic validation keeps at least one training speaker and is order-free', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }), (ids) => {
        const auto = autoValSpeakers(ids);
        if (ids.length < 2) return auto.length === 0;
        return (
          auto.length >= 1 &&
          auto.length <= ids.length - 1 &&
          auto.length === Math.min(ids.length - 1, Math.ceil(ids.length * 0.2)) &&
          auto.every((s) => ids.includes(s)) &&
          JSON.stringify(autoValSpeakers([...ids].reverse())) === JSON.stringify(auto)
        );
      }),
    );
  });

  it('parses repeatable comma-separated lists', () => {
    expect(parseSpeakerList(['a,b', 'c', ''])).toEqual(['a', 'b', 'c']);
    expect(parseSpeakerList(undefined)).toEqual([]);
  });
});
