/**
 * TESS file names: `SPEAKER_word_emotion`, e.g. `OAF_back_angry.wav`, `YAF_dog_ps.wav`
 * (Toronto Emotional Speech Set, Dupuis & Pichora-Fuller 2010): two female speakers, OAF (older,
 * 64) and YAF (younger, 26), each saying "Say the word ___" with 200 target words in 7 emotions.
 */
import type { CanonicalLabel } from './labels.ts';
import { audioName, type CorpusParser, type ParsedName, reject } from './types.ts';

const EMOTIONS: Readonly<Record<string, CanonicalLabel>> = {
  angry: 'angry',
  disgust: 'disgust',
  fear: 'fearful',
  happy: 'happy',
  neutral: 'neutral',
  ps: 'surprised', // "pleasant surprise"
  sad: 'sad',
};

const SPEAKERS: Readonly<Record<string, string>> = { OAF: 'older', YAF: 'younger' };

/**
 * Known misnamed files of the original release, by lower-case stem, with the speaker they belong
 * to. `OA_bite_neutral.wav` sits in `OAF_neutral/` and is the only file of the corpus with this
 * prefix; reading "OA" as a third speaker would put a one-file speaker into a split on its own.
 * Only exact stems listed here are corrected; any other unknown prefix is rejected.
 */
const ERRATA: Readonly<Record<string, string>> = { oa_bite_neutral: 'OAF' };

/**
 * Parses a TESS path from the file stem alone; the folder (`OAF_Fear`, `YAF_pleasant_surprised`,
 * with inconsistent capitals in the common copies) is not read. Speaker and emotion are matched
 * case-insensitively because copies of the corpus differ in capitalisation; the word must be
 * letters only. The speaker is `tess:OAF` or `tess:YAF`.
 */
export function parseTessName(path: string): ParsedName {
  const name = audioName(path);
  if (!name.ok) return name;
  const fields = name.stem.split('_');
  if (fields.length !== 3) {
    return reject(`TESS names have 3 fields SPEAKER_word_emotion, "${name.stem}" has ${fields.length}`);
  }
  const [speakerField, wordField, emotionField] = fields as [string, string, string];
  const key = name.stem.toLowerCase();
  const erratum = Object.hasOwn(ERRATA, key) ? ERRATA[key] : undefined;
  const speaker = erratum ?? speakerField.toUpperCase();
  const age = Object.hasOwn(SPEAKERS, speaker) ? SPEAKERS[speaker] : undefined;
  if (age === undefined) return reject(`speaker "${speakerField}" is not OAF or YAF`);
  if (!/^[a-z]+$/i.test(wordField)) return reject(`word "${wordField}" is not letters only`);
  const emotion = emotionField.toLowerCase();
  const label = Object.hasOwn(EMOTIONS, emotion) ? EMOTIONS[emotion] : undefined;
  if (label === undefined) {
    return reject(`emotion "${emotionField}" is not one of ${Object.keys(EMOTIONS).join(' ')}`);
  }
  const word = wordField.toLowerCase();
  return {
    ok: true,
    speaker: `tess:${speaker}`,
    label,
    meta: { utterance: `${speaker}_${word}_${emotion}`, word, age, gender: 'female' },
  };
}

/** The TESS convention as a {@link CorpusParser}. */
export const tessParser: CorpusParser = { corpus: 'tess', parse: parseTessName };
