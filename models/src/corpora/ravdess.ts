/**
 * RAVDESS file names: `MM-VV-EE-II-SS-RR-AA`, e.g. `03-01-06-01-02-01-12.wav`
 * (Livingstone & Russo 2018). Every field is validated; nothing is guessed.
 */
import type { CanonicalLabel } from './labels.ts';
import { audioName, type CorpusParser, type ParsedName, reject } from './types.ts';

const EMOTIONS: Readonly<Record<string, CanonicalLabel>> = {
  '01': 'neutral',
  '02': 'calm',
  '03': 'happy',
  '04': 'sad',
  '05': 'angry',
  '06': 'fearful',
  '07': 'disgust',
  '08': 'surprised',
};

const STATEMENTS: Readonly<Record<string, string>> = {
  '01': 'Kids are talking by the door',
  '02': 'Dogs are sitting by the door',
};

/**
 * Parses a RAVDESS path. Accepted: modality 01 (audio-video, e.g. audio extracted from the AV files)
 * or 03 (audio-only), vocal channel 01 (speech), emotion 01..08, intensity 01/02, statement 01/02,
 * repetition 01/02, actor 01..24. Rejected with a reason:
 * - modality 02: the video-only files have no audio, so an audio file claiming it is mislabelled;
 * - vocal channel 02 (song): the product recognises emotion in speech, and sung emotion has
 *   different prosody (the melody fixes pitch and timing);
 * - neutral with strong intensity: the corpus has none (neutral was recorded at normal intensity
 *   only), so such a name is corrupt rather than a rare case;
 * - an `Actor_NN` parent folder that disagrees with the actor field.
 *
 * The speaker is `ravdess:<AA>` with the field's two digits (`ravdess:01`), like every corpus's
 * speaker id; odd actors are male, even female.
 */
export function parseRavdessName(path: string): ParsedName {
  const name = audioName(path);
  if (!name.ok) return name;
  const fields = name.stem.split('-');
  if (fields.length !== 7) {
    return reject(`RAVDESS names have 7 fields MM-VV-EE-II-SS-RR-AA, "${name.stem}" has ${fields.length}`);
  }
  if (!fields.every((f) => /^\d{2}$/.test(f))) {
    return reject(`RAVDESS fields are two digits each, got "${name.stem}"`);
  }
  const [modality, channel, emotion, intensity, statement, repetition, actorField] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (modality === '02') return reject('modality 02 is video-only and has no audio');
  if (modality !== '01' && modality !== '03') return reject(`modality ${modality} is not 01, 02 or 03`);
  if (channel === '02') return reject('vocal channel 02 is song; only speech (01) is used');
  if (channel !== '01') return reject(`vocal channel ${channel} is not 01 (speech) or 02 (song)`);
  const label = EMOTIONS[emotion];
  if (label === undefined) return reject(`emotion ${emotion} is not 01..08`);
  if (intensity !== '01' && intensity !== '02') return reject(`intensity ${intensity} is not 01 or 02`);
  if (label === 'neutral' && intensity === '02') {
    return reject('neutral with strong intensity (02) does not exist in RAVDESS');
  }
  const statementText = STATEMENTS[statement];
  if (statementText === undefined) return reject(`statement ${statement} is not 01 or 02`);
  if (repetition !== '01' && repetition !== '02') return reject(`repetition ${repetition} is not 01 or 02`);
  const actor = Number(actorField);
  if (actor < 1 || actor > 24) return reject(`actor ${actorField} is not 01..24`);
  const folder = /^Actor_(\d+)$/i.exec(name.folder);
  if (folder && Number(folder[1]) !== actor) {
    return reject(`folder ${name.folder} disagrees with actor field ${actorField}`);
  }
  return {
    ok: true,
    speaker: `ravdess:${actorField}`,
    label,
    meta: {
      // The audio-only files are the sound of the AV recordings, so the same take under modality 01
      // and 03 is one utterance.
      utterance: fields.slice(1).join('-'),
      modality: modality === '01' ? 'audio-video' : 'audio-only',
      intensity: intensity === '01' ? 'normal' : 'strong',
      statement: Number(statement),
      statementText,
      repetition: Number(repetition),
      actor,
      gender: actor % 2 === 1 ? 'male' : 'female',
    },
  };
}

/** The RAVDESS convention as a {@link CorpusParser}. */
export const ravdessParser: CorpusParser = { corpus: 'ravdess', parse: parseRavdessName };
