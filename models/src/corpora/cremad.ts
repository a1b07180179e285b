/**
 * CREMA-D file names: `AAAA_SSS_EEE_LL`, e.g. `1001_DFA_ANG_XX.wav` (Cao et al. 2014): actor
 * 1001..1091, one of the 12 sentence codes, emotion, emotion level.
 */
import type { CanonicalLabel } from './labels.ts';
import { audioName, type CorpusParser, type ParsedName, reject } from './types.ts';

/** The 12 sentences of CREMA-D by code, as published with the corpus. */
export const CREMAD_SENTENCES: Readonly<Record<string, string>> = {
  IEO: "It's eleven o'clock",
  TIE: 'That is exactly what happened',
  IOM: "I'm on my way to the meeting",
  IWW: 'I wonder what this is about',
  TAI: 'The airplane is almost full',
  MTI: 'Maybe tomorrow it will be cold',
  IWL: 'I would like a new alarm clock',
  ITH: "I think I have a doctor's appointment",
  DFA: "Don't forget a jacket",
  ITS: "I think I've seen this before",
  TSI: 'The surface is slick',
  WSI: "We'll stop in a couple of minutes",
};

const EMOTIONS: Readonly<Record<string, CanonicalLabel>> = {
  ANG: 'angry',
  DIS: 'disgust',
  FEA: 'fearful',
  HAP: 'happy',
  NEU: 'neutral',
  SAD: 'sad',
};

const LEVELS: Readonly<Record<string, string>> = {
  LO: 'low',
  MD: 'medium',
  HI: 'high',
  XX: 'unspecified',
};

/**
 * Parses a CREMA-D path. Codes are matched exactly in upper case, as in the release. The level is
 * recorded in `meta.level` but not cross-checked against emotion or sentence: the release documents
 * the four codes, not which combinations occur, and a wrong constraint would reject real files.
 * The speaker is `cremad:<actor>`; gender is not in the name (it lives in `VideoDemographics.csv`).
 */
export function parseCremadName(path: string): ParsedName {
  const name = audioName(path);
  if (!name.ok) return name;
  const fields = name.stem.split('_');
  if (fields.length !== 4) {
    return reject(
      `CREMA-D names have 4 fields ACTOR_SENTENCE_EMOTION_LEVEL, "${name.stem}" has ${fields.length}`,
    );
  }
  const [actorField, sentence, emotion, level] = fields as [string, string, string, string];
  if (!/^\d{4}$/.test(actorField)) return reject(`actor "${actorField}" is not a four-digit number`);
  const actor = Number(actorField);
  if (actor < 1001 || actor > 1091) return reject(`actor ${actorField} is not 1001..1091`);
  if (!Object.hasOwn(CREMAD_SENTENCES, sentence)) {
    return reject(`sentence "${sentence}" is not one of ${Object.keys(CREMAD_SENTENCES).join(' ')}`);
  }
  const label = Object.hasOwn(EMOTIONS, emotion) ? EMOTIONS[emotion] : undefined;
  if (label === undefined)
    return reject(`emotion "${emotion}" is not one of ${Object.keys(EMOTIONS).join(' ')}`);
  const levelName = Object.hasOwn(LEVELS, level) ? LEVELS[level] : undefined;
  if (levelName === undefined)
    return reject(`level "${level}" is not one of ${Object.keys(LEVELS).join(' ')}`);
  return {
    ok: true,
    speaker: `cremad:${actor}`,
    label,
    meta: { utterance: name.stem, actor, sentence, level: levelName },
  };
}

/** The CREMA-D convention as a {@link CorpusParser}. */
export const cremadParser: CorpusParser = { corpus: 'cremad', parse: parseCremadName };
