/**
 * Real speech for load tests and benchmarks: RAVDESS clips (16 kHz mono) joined into one long
 * recording of speaking turns, and its raw forms (`pcm_s16le` 16 kHz, or 8 kHz mu-law for telephone
 * load), which the k6 script `open()`s and the Node runner sends unchanged. Where the files go by
 * default: `formats.ts`.
 *
 * @example
 * const speech = await loadSpeech({ seconds: 60 }); // Float32Array, 16 kHz
 * writeFileSync('/tmp/speech.s16le', toS16le(speech.samples));
 */
import { readFileSync } from 'node:fs';
import { decodePcm, encodePcm } from '@emostream/shared/audio/pcm';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { hasData, loadClip, ravdessActorFiles } from '@emostream/shared/testing/corpus';
import { frameSamples, type LoadFormat, TELEPHONE } from './formats.ts';

/** Sample rate of every recording here (the model rate). */
export const SPEECH_SAMPLE_RATE = 16000;

export interface SpeechOptions {
  /** Length of the result, in seconds of audio; the last clip is cut to fit. */
  seconds: number;
  /** RAVDESS actors whose clips are taken in turn (one clip from each actor, round robin). */
  actors: number[];
  /**
   * Leading and trailing silence quieter than the clip's loudest 10 ms by more than this many dB is
   * cut, so that clips join into continuous speech (null keeps the clips whole). RAVDESS clips are
   * one short sentence between about a second of silence, which would make every window a
   * short-utterance window, emitted only once the VAD has heard the end of speech.
   */
  trimDb: number | null;
  /** Silence between clips within a turn, in ms; shorter than the VAD's redemption (768 ms), so a turn is one segment. */
  gapMs: number;
  /** Speech per turn, in seconds; turns are separated by `pauseMs`, which ends the VAD segment. */
  turnSeconds: number;
  /** Silence between turns, in ms. */
  pauseMs: number;
}

export const defaultSpeechOptions: Readonly<SpeechOptions> = Object.freeze({
  seconds: 60,
  actors: [1, 2, 3, 4, 5, 6, 7, 8],
  trimDb: 35,
  gapMs: 200,
  turnSeconds: 30,
  pauseMs: 1500,
});

export interface Speech {
  /** 16 kHz mono samples in [-1, 1]. */
  samples: Float32Array;
  /** The clips used, in order. */
  files: string[];
}

/** The part of `clip` from its first to its last 10 ms frame within `trimDb` of the loudest (plus 50 ms). */
export function trimSilence(clip: Float32Array, trimDb: number): Float32Array {
  const frame = 160;
  const frames = Math.floor(clip.length / frame);
  const db = new Float64Array(frames);
  let loudest = Number.NEGATIVE_INFINITY;
  for (let f = 0; f < frames; f++) {
    let e = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) e += clip[i]! * clip[i]!;
    db[f] = 10 * Math.log10(e / frame + 1e-12);
    if (db[f]! > loudest) loudest = db[f]!;
  }
  let first = 0;
  while (first < frames && db[first]! < loudest - trimDb) first++;
  let last = frames - 1;
  while (last > first && db[last]! < loudest - trimDb) last--;
  if (first >= frames) return clip;
  const margin = 5 * frame;
  return clip.subarray(
    Math.max(0, first * frame - margin),
    Math.min(clip.length, (last + 1) * frame + margin),
  );
}

/**
 * Joins real RAVDESS clips (actors in turn, so speakers and emotions vary) into `seconds` of 16 kHz
 * speech: turns of continuous speech separated by pauses, like one side of a call.
 *
 * @throws {Error} when the corpora are missing (see `EMOSTREAM_DATA`).
 */
export async function loadSpeech(options: Partial<SpeechOptions> = {}): Promise<Speech> {
  const o = { ...defaultSpeechOptions, ...options };
  if (!(o.seconds > 0)) throw new RangeError(`seconds must be > 0, got ${o.seconds}`);
  if (o.actors.length === 0) throw new RangeError('actors must not be empty');
  if (!hasData)
    throw new Error('the RAVDESS corpus is missing: set EMOSTREAM_DATA to the shared/data folder');
  const lists = o.actors.map((a) => ravdessActorFiles(a));
  const rate = SPEECH_SAMPLE_RATE;
  const total = Math.round(o.seconds * rate);
  const gap = Math.round((o.gapMs * rate) / 1000);
  const pause = Math.round((o.pauseMs * rate) / 1000);
  const turn = Math.round(o.turnSeconds * rate);
  const samples = new Float32Array(total);
  const files: string[] = [];
  let pos = 0;
  let turnStart = 0;
  for (let i = 0; pos < total; i++) {
    const list = lists[i % lists.length]!;
    const file = list[Math.floor(i / lists.length) % list.length];
    if (!file) throw new Error(`no clips for actor ${o.actors[i % lists.length]}`);
    const whole = await loadClip(file);
    const clip = o.trimDb === null ? whole : trimSilence(whole, o.trimDb);
    const n = Math.min(clip.length, total - pos);
    samples.set(clip.subarray(0, n), pos);
    files.push(file);
    pos += n;
    if (pos - turnStart >= turn) {
      pos += pause;
      turnStart = pos;
    } else {
      pos += gap;
    }
  }
  return { samples, files };
}

/** Encodes samples in [-1, 1] as signed 16-bit little-endian PCM (clipped, rounded). */
export function toS16le(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    view.setInt16(i * 2, Math.round(s < 0 ? s * 32768 : s * 32767), true);
  }
  return bytes;
}

/**
 * The load tests' 16 kHz `pcm_s16le` speech as a telephone call brings it: resampled to 8 kHz and
 * G.711 mu-law encoded, a whole number of 20 ms frames.
 */
export async function toTelephone(s16le: Uint8Array): Promise<Uint8Array> {
  const samples = decodePcm(s16le, 'pcm_s16le');
  const narrow = await resampleOffline(samples, SPEECH_SAMPLE_RATE, TELEPHONE.sampleRate);
  const frames = Math.floor(narrow.length / frameSamples(TELEPHONE));
  return encodePcm(narrow.subarray(0, frames * frameSamples(TELEPHONE)), 'mulaw');
}

/**
 * Reads a raw audio file in a load format (as written by `make-audio.ts`).
 *
 * @throws {Error} for a file that is not whole frames' worth of samples or shorter than one frame.
 */
export function readAudio(path: string, format: LoadFormat): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length % format.bytesPerSample !== 0)
    throw new Error(`${path}: ${bytes.length} bytes is not whole ${format.encoding} samples`);
  if (bytes.length < format.frameBytes) throw new Error(`${path}: shorter than one 20 ms frame`);
  return bytes;
}
