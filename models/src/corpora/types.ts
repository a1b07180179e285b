/**
 * The shape every corpus loader produces, and the file-name plumbing the parsers share.
 */
import { basename, dirname, extname, relative, sep } from 'node:path';
import type { CanonicalLabel } from './labels.ts';

/** Corpora with a known file-name convention, plus user CSV manifests. */
export type CorpusName = 'ravdess' | 'cremad' | 'tess' | 'savee' | 'emodb' | 'manifest';

/** One labelled recording. */
export interface CorpusItem {
  /** Absolute path of the audio file. */
  path: string;
  /** Which corpus (or manifest) the item came from. */
  corpus: CorpusName;
  /**
   * Globally unique speaker id: the corpus name, a colon and the speaker field as the corpus spells
   * it (`ravdess:19`, `emodb:03`, `cremad:1001`, `tess:OAF`, `savee:DC`, `manifest:alice`), so that
   * speakers of different corpora never collide in a split.
   */
  speaker: string;
  /**
   * The file's path inside the folder it was loaded from (the scanned corpus folder, or the
   * manifest's folder), with '/' separators; absent when the items were parsed from bare paths.
   * Seeds each clip's training augmentation (see `augmentKey`), so that does not depend on where
   * the corpus sits either.
   */
  within?: string;
  /** The annotated emotion, translated to the shared vocabulary. */
  label: CanonicalLabel;
  /**
   * Corpus-specific facts read from the name (intensity, statement, gender, text code, ...).
   * Every file-name parser sets `utterance`, a key identifying the recording, used to spot
   * duplicate copies; manifest items carry `manifestLine` instead.
   */
  meta: Record<string, string | number>;
}

/**
 * A key for one recording that does not depend on where the corpus sits: its speaker and file name.
 * Per-clip random draws of the evaluation channels are seeded by it, so their figures reproduce from
 * any checkout (absolute paths made them depend on the folder the corpora were in). Two files of one
 * speaker with the same name in different folders share a key, and so a channel's draw.
 */
export function clipKey(item: Pick<CorpusItem, 'speaker' | 'path'>): string {
  return `${item.speaker}/${basename(item.path)}`;
}

/**
 * The folder under which the shipped default's corpora sat when it was trained. Augmentation seeds
 * were then hashed from absolute paths; `augmentKey` rebuilds those same strings from the corpus
 * name and the path inside the corpus folder, so the recipe gives the same augmented audio, and so
 * the same model, wherever the corpora are. It is a namespace, not a path that is read.
 */
export const AUGMENT_KEY_NAMESPACE = '/work/shared/data';

/**
 * The string that seeds one clip's training augmentation: `<namespace>/<corpus>/<path inside the
 * corpus folder>` (for the default's corpora, the absolute path they were trained from), or the
 * absolute path for items without `within`.
 */
export function augmentKey(item: Pick<CorpusItem, 'corpus' | 'path' | 'within'>): string {
  return item.within === undefined ? item.path : `${AUGMENT_KEY_NAMESPACE}/${item.corpus}/${item.within}`;
}

/** `path` relative to `root`, with '/' separators on every platform. */
export function pathWithin(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** A file (or manifest row) that was not turned into an item, and why. */
export interface RejectedFile {
  /** Absolute path of the file; for a manifest row without a usable path, `<manifest>:<line>`. */
  path: string;
  /** Why it was rejected, specific enough to fix the name or row. */
  reason: string;
  /** For manifest rows, the 1-based line of the CSV record. */
  line?: number;
}

/** What a loader returns: the items, the corpus they belong to and everything it refused. */
export interface CorpusScan {
  corpus: CorpusName;
  /** Items sorted by path, so results do not depend on directory listing order. */
  items: CorpusItem[];
  rejected: RejectedFile[];
}

/** What a parser reads from one file name. */
export type ParsedName =
  | { ok: true; speaker: string; label: CanonicalLabel; meta: Record<string, string | number> }
  | { ok: false; reason: string };

/** A file-name convention of one corpus. */
export interface CorpusParser {
  readonly corpus: Exclude<CorpusName, 'manifest'>;
  /** Parses a path (only the stem and, for some corpora, the parent folder are read). */
  parse(path: string): ParsedName;
}

/**
 * Audio extensions the loaders accept, lower case. Original releases are WAV, the shared copies FLAC,
 * and users re-encode to MP3 or Ogg; the emotion lives in the stem, so the container does not matter.
 */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.flac', '.mp3', '.ogg'];

/** True when the path ends in one of {@link AUDIO_EXTENSIONS}, in any letter case. */
export function isAudioPath(path: string): boolean {
  return AUDIO_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** The parts of an audio path the parsers look at. */
export type AudioName = { ok: true; stem: string; folder: string } | { ok: false; reason: string };

/** Splits an audio path into its stem and parent folder name, rejecting non-audio extensions. */
export function audioName(path: string): AudioName {
  const ext = extname(path);
  if (!AUDIO_EXTENSIONS.includes(ext.toLowerCase())) {
    const shown = ext === '' ? 'no extension' : `extension "${ext}"`;
    return { ok: false, reason: `${shown} is not audio (expected ${AUDIO_EXTENSIONS.join(' ')})` };
  }
  return { ok: true, stem: basename(path, ext), folder: basename(dirname(path)) };
}

/** Shorthand for a failed parse. */
export function reject(reason: string): ParsedName {
  return { ok: false, reason };
}
