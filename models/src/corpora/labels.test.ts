import { describe, expect, it } from 'vitest';
import {
  CANONICAL_LABELS,
  type CanonicalLabel,
  classesPresent,
  countByClass,
  defaultLabelSetName,
  getLabelSet,
  isCanonicalLabel,
  labelSets,
} from './labels.ts';

const items = (...labels: CanonicalLabel[]) => labels.map((label) => ({ label }));

describe('label sets', () => {
  it('fix the class order of every set', () => {
    expect(labelSets.ekman7.classes).toEqual([
      'neutral',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgust',
      'surprised',
    ]);
    expect(labelSets.ravdess8.classes).toEqual([
      'neutral',
      'calm',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgust',
      'surprised',
    ]);
    expect(labelSets.valence3.classes).toEqual(['negative', 'neutral', 'positive']);
    expect(defaultLabelSetName).toBe('ekman7');
  });

  it('map every canonical label to one of their classes or to null', () => {
    for (const set of Object.values(labelSets)) {
      for (const label of CANONICAL_LABELS) {
        const cls = set.map(label);
        if (cls !== null) expect(set.classes).toContain(cls);
      }
      // Every class is reachable, otherwise it would be an output unit without examples.
      const reached = new Set(CANONICAL_LABELS.map((l) => set.map(l)));
      for (const cls of set.classes) expect(reached).toContain(cls);
    }
  });

  it('merge calm into neutral and leave boredom out of ekman7', () => {
    const ekman7 = labelSets.ekman7;
    expect(ekman7.map('calm')).toBe('neutral');
    expect(ekman7.map('neutral')).toBe('neutral');
    expect(ekman7.map('boredom')).toBeNull();
    expect(ekman7.map('surprised')).toBe('surprised');
  });

  it('keep calm apart in ravdess8 and leave boredom out', () => {
    expect(labelSets.ravdess8.map('calm')).toBe('calm');
    expect(labelSets.ravdess8.map('boredom')).toBeNull();
  });

  it('follow the seed 004 valence mapping, with boredom negative', () => {
    const v = labelSets.valence3;
    const expected: Record<CanonicalLabel, string> = {
      neutral: 'neutral',
      calm: 'neutral',
      happy: 'positive',
      surprised: 'positive',
      angry: 'negative',
      fearful: 'negative',
      sad: 'negative',
      disgust: 'negative',
      boredom: 'negative',
    };
    for (const label of CANONICAL_LABELS) expect(v.map(label)).toBe(expected[label]);
  });

  it('cannot be reordered at run time', () => {
    expect(Object.isFrozen(labelSets.ekman7.classes)).toBe(true);
    expect(() => labelSets.ekman7.classes.sort()).toThrow(TypeError);
  });

  it('are looked up by name, and unknown names throw naming the known ones', () => {
    expect(getLabelSet('valence3')).toBe(labelSets.valence3);
    expect(() => getLabelSet('ekman6')).toThrow(
      /unknown label set "ekman6"; known: ekman7, ravdess8, valence3/,
    );
    expect(() => getLabelSet('toString')).toThrow(TypeError);
  });
});

describe('isCanonicalLabel', () => {
  it('accepts exactly the canonical names', () => {
    for (const label of CANONICAL_LABELS) expect(isCanonicalLabel(label)).toBe(true);
    for (const bad of ['Happy', 'fear', 'surprise', 'anger', '', ' happy', 'constructor']) {
      expect(isCanonicalLabel(bad)).toBe(false);
    }
  });
});

describe('classesPresent', () => {
  it('leaves out classes the items lack, keeping the set order', () => {
    // EmoDB has no surprise and no calm; boredom is not in ekman7.
    const emodbLike = items('boredom', 'angry', 'neutral', 'disgust', 'happy', 'fearful', 'sad');
    expect(classesPresent(emodbLike, labelSets.ekman7)).toEqual([
      'neutral',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgust',
    ]);
    expect(classesPresent(emodbLike, labelSets.ravdess8)).not.toContain('calm');
    expect(classesPresent(items('calm'), labelSets.ekman7)).toEqual(['neutral']);
    expect(classesPresent(items('boredom'), labelSets.ekman7)).toEqual([]);
    expect(classesPresent([], labelSets.valence3)).toEqual([]);
  });
});

describe('countByClass', () => {
  it('counts per class in set order and counts excluded items apart', () => {
    const { counts, excluded } = countByClass(items('calm', 'neutral', 'boredom', 'sad'), labelSets.ekman7);
    expect(counts).toEqual({ neutral: 2, happy: 0, sad: 1, angry: 0, fearful: 0, disgust: 0, surprised: 0 });
    expect(Object.keys(counts)).toEqual(labelSets.ekman7.classes);
    expect(excluded).toBe(1);
  });
});
