/**
 * EmoDB file names: `SSTTTEV`, e.g. `03a01Fa.wav` (Berlin Database of Emotional Speech,
 * Burkhardt et al. 2005): speaker, text code, emotion letter (German initial), version letter.
 */
import type { CanonicalLabel } from './labels.ts';
import { audioName, type CorpusParser, type ParsedName, reject } from './types.ts';

/** Emotion letters are the German initials: Wut, Langeweile, Ekel, Angst, Freude, Trauer, Neutral. */
const EMOTIONS: Readonly<Record<string, CanonicalLabel>> = {
  W: 'angry',
  L: 'boredom',
  E: 'disgust',
  A: 'fearful',
  F: 'happy',
  T: 'sad',
  N: 'neutral',
};

/** Speaker genders as documented with the corpus (five male, five female). */
const SPEAKERS: Readonly<Record<string, 'male' | 'female'>> = {
  '03': 'male',
  '08': 'female',
  '09': 'female',
  '10': 'male',
  '11': 'male',
  '12': 'male',
  '13': 'female',
  '14': 'female',
  '15': 'male',
  '16': 'female',
};

/**
 * Parses an EmoDB path. Text codes a01..a07 and b01..b10 are accepted (the released corpus uses ten
 * of them: a01 a02 a04 a05 a07 b01 b02 b03 b09 b10); the version letter is a lower-case a..z.
 * Letters are matched in the release's case, since `W` vs `w` is the only thing separating an
 * emotion from a version. The speaker is `emodb:<SS>` with the field's two digits (`emodb:03`).
 */
export function parseEmodbName(path: string): ParsedName {
  const name = audioName(path);
  if (!name.ok) return name;
  const match = /^(\d{2})([ab])(\d{2})([A-Z])([a-z])$/.exec(name.stem);
  if (!match) {
    return reject(
      `EmoDB names are 2-digit speaker, text code, emotion letter, version letter, got "${name.stem}"`,
    );
  }
  const [, speakerField = '', series = '', textNumber = '', emotion = '', version = ''] = match;
  const gender = Object.hasOwn(SPEAKERS, speakerField) ? SPEAKERS[speakerField] : undefined;
  if (gender === undefined) {
    // Sorted: keys like "10" enumerate before "03" (canonical integer keys come first).
    return reject(`speaker ${speakerField} is not one of ${Object.keys(SPEAKERS).sort().join(' ')}`);
  }
  const text = `${series}${textNumber}`;
  const n = Number(textNumber);
  const lastText = series === 'a' ? 7 : 10;
  if (n < 1 || n > lastText) {
    return reject(`text code ${text} is not ${series}01..${series}${String(lastText).padStart(2, '0')}`);
  }
  const label = Object.hasOwn(EMOTIONS, emotion) ? EMOTIONS[emotion] : undefined;
  if (label === undefined) {
    return reject(`emotion letter "${emotion}" is not one of ${Object.keys(EMOTIONS).join(' ')}`);
  }
  return {
    ok: true,
    speaker: `emodb:${speakerField}`,
    label,
    meta: { utterance: name.stem, text, version, gender },
  };
}

/** The EmoDB convention as a {@link CorpusParser}. */
export const emodbParser: CorpusParser = { corpus: 'emodb', parse: parseEmodbName };
