/**
 * SAVEE file names (Surrey Audio-Visual Expressed Emotion, Haq & Jackson 2009): four male
 * speakers DC, JE, JK, KL; per speaker 15 sentences in each of six emotions and 30 neutral.
 * The original release stores `AudioData/DC/a01.wav` (speaker as folder); the common flattened
 * copies name the same file `DC_a01.wav` (speaker as prefix). Both are read.
 */
import type { CanonicalLabel } from './labels.ts';
import { audioName, type CorpusParser, type ParsedName, reject } from './types.ts';

const EMOTIONS: Readonly<Record<string, CanonicalLabel>> = {
  a: 'angry',
  d: 'disgust',
  f: 'fearful',
  h: 'happy',
  n: 'neutral',
  sa: 'sad',
  su: 'surprised',
};

const SPEAKERS: ReadonlySet<string> = new Set(['DC', 'JE', 'JK', 'KL']);

/**
 * Parses a SAVEE path. The speaker comes from a `DC_` prefix or, without one, from the parent
 * folder; when both are present they must agree. Codes are matched in the release's letter case
 * (upper-case speaker, lower-case emotion), and the sentence number must exist: 01..15, or 01..30
 * for neutral. The speaker is `savee:DC` etc.
 */
export function parseSaveeName(path: string): ParsedName {
  const name = audioName(path);
  if (!name.ok) return name;
  const match = /^(?:([^_]+)_)?([a-z]+)(\d+)$/.exec(name.stem);
  if (!match) return reject(`SAVEE names are [SPEAKER_]<emotion code><2 digits>, got "${name.stem}"`);
  const [, prefix, code = '', digits = ''] = match;
  const folderSpeaker = SPEAKERS.has(name.folder) ? name.folder : undefined;
  let speaker: string;
  if (prefix !== undefined) {
    if (!SPEAKERS.has(prefix)) return reject(`speaker "${prefix}" is not DC, JE, JK or KL`);
    if (folderSpeaker !== undefined && folderSpeaker !== prefix) {
      return reject(`folder ${name.folder} disagrees with speaker prefix ${prefix}`);
    }
    speaker = prefix;
  } else if (folderSpeaker !== undefined) {
    speaker = folderSpeaker;
  } else {
    return reject(`no speaker prefix, and folder "${name.folder}" is not DC, JE, JK or KL`);
  }
  const label = Object.hasOwn(EMOTIONS, code) ? EMOTIONS[code] : undefined;
  if (label === undefined)
    return reject(`emotion code "${code}" is not one of ${Object.keys(EMOTIONS).join(' ')}`);
  const max = label === 'neutral' ? 30 : 15;
  const sentence = Number(digits);
  if (digits.length !== 2 || sentence < 1 || sentence > max) {
    return reject(`sentence number "${digits}" is not 01..${max} for emotion code "${code}"`);
  }
  return {
    ok: true,
    speaker: `savee:${speaker}`,
    label,
    meta: { utterance: `${speaker}_${code}${digits}`, sentence, gender: 'male' },
  };
}

/** The SAVEE convention as a {@link CorpusParser}. */
export const saveeParser: CorpusParser = { corpus: 'savee', parse: parseSaveeName };
