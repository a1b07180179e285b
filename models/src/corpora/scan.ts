/**
 * Finds the audio files of a corpus folder, recognises which corpus it is from the file names and
 * turns them into items, reporting every file it cannot read instead of guessing.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { cremadParser } from './cremad.ts';
import { emodbParser } from './emodb.ts';
import { ravdessParser } from './ravdess.ts';
import { saveeParser } from './savee.ts';
import { tessParser } from './tess.ts';
import {
  AUDIO_EXTENSIONS,
  type CorpusItem,
  type CorpusName,
  type CorpusParser,
  type CorpusScan,
  isAudioPath,
  pathWithin,
  type RejectedFile,
} from './types.ts';

/** Corpora recognised from their file names. */
export type FileNameCorpus = Exclude<CorpusName, 'manifest'>;

/** The file-name parser of each corpus. */
export const corpusParsers: Readonly<Record<FileNameCorpus, CorpusParser>> = Object.freeze({
  ravdess: ravdessParser,
  cremad: cremadParser,
  tess: tessParser,
  savee: saveeParser,
  emodb: emodbParser,
});

const corpusNames = Object.keys(corpusParsers) as FileNameCorpus[];

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * macOS archives carry `._name.wav` resource-fork twins of every file. They are not audio, and
 * letting them vote would halve every corpus's share of the names.
 */
function isAppleDouble(path: string): boolean {
  return basename(path).startsWith('._');
}

/**
 * All files under `dir` (recursively) with an audio extension in any letter case, as sorted
 * absolute paths. Symbolic links are followed; a directory reached twice (a link loop) is read once.
 */
export async function listAudioFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const seenDirs = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await realpath(folder);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    // Sorted so that which copy of a linked folder is kept does not depend on the file system.
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => byPath(a.name, b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await walk(path);
      else if (isFile && isAudioPath(path)) found.push(path);
    }
  };
  await walk(resolve(dir));
  return found.sort(byPath);
}

/**
 * Which corpus a set of file names belongs to, by majority vote: each name votes for every
 * convention that accepts it, names no convention accepts abstain (they are reported as rejects
 * later), and the winner must hold a strict majority of the votes. AppleDouble `._` files do not
 * vote. Throws an `Error` naming the candidates and their counts when no convention accepts any
 * name, or when none reaches a majority (a mixed folder, where picking the largest corpus would
 * silently reject the others).
 */
export function detectCorpus(paths: readonly string[], where = 'the given files'): FileNameCorpus {
  const audio = paths.filter((p) => !isAppleDouble(p));
  const accepted = audio.map((p) => corpusNames.filter((c) => corpusParsers[c].parse(p).ok));
  const voters = accepted.filter((a) => a.length > 0).length;
  const votes = corpusNames
    .map((corpus) => ({ corpus, count: accepted.filter((a) => a.includes(corpus)).length }))
    .filter((v) => v.count > 0)
    .sort((a, b) => b.count - a.count);
  const top = votes[0];
  if (top === undefined) {
    const examples = audio.slice(0, 3).map((p) => basename(p));
    throw new Error(
      `cannot recognise the corpus of ${where}: none of ${audio.length} audio file names fits any convention ` +
        `(tried ${corpusNames.join(', ')}; e.g. ${examples.join(', ') || 'no files'}); pass opts.corpus or use a manifest`,
    );
  }
  if (top.count * 2 <= voters) {
    const candidates = votes.map((v) => `${v.corpus} (${v.count} of ${voters} recognised files)`).join(', ');
    throw new Error(
      `cannot recognise the corpus of ${where}: no convention fits a majority of the recognised names; ` +
        `candidates: ${candidates}. Scan each corpus folder separately, or pass opts.corpus`,
    );
  }
  return top.corpus;
}

/**
 * Parses paths with one corpus's convention. Unparsable names are rejected with the parser's reason
 * (and a hint when the name fits another corpus); a second copy of a recording (same speaker and
 * utterance, e.g. the duplicated folder in a popular RAVDESS download) is rejected as a duplicate
 * of the first path in sorted order, since keeping both would double-count it.
 */
export function parseCorpusFiles(
  paths: readonly string[],
  corpus: FileNameCorpus,
  root?: string,
): { items: CorpusItem[]; rejected: RejectedFile[] } {
  const parser = corpusParsers[corpus];
  const items: CorpusItem[] = [];
  const rejected: RejectedFile[] = [];
  const firstCopy = new Map<string, string>();
  for (const rawPath of [...paths].sort(byPath)) {
    const path = resolve(rawPath);
    if (isAppleDouble(path)) {
      rejected.push({ path, reason: 'macOS AppleDouble metadata file ("._" prefix), not audio' });
      continue;
    }
    const parsed = parser.parse(path);
    if (!parsed.ok) {
      const other = corpusNames.find((c) => c !== corpus && corpusParsers[c].parse(path).ok);
      const hint = other === undefined ? '' : `; the name fits the ${other} convention`;
      rejected.push({ path, reason: `not a ${corpus} name: ${parsed.reason}${hint}` });
      continue;
    }
    const key = `${parsed.speaker}|${parsed.meta.utterance}`;
    const first = firstCopy.get(key);
    if (first !== undefined) {
      rejected.push({ path, reason: `duplicate recording of ${first}` });
      continue;
    }
    firstCopy.set(key, path);
    const within = root === undefined ? {} : { within: pathWithin(resolve(root), path) };
    items.push({ path, corpus, speaker: parsed.speaker, ...within, label: parsed.label, meta: parsed.meta });
  }
  return { items, rejected };
}

/** Options of {@link scanCorpus}. */
export interface ScanOptions {
  /** The corpus whose convention to use; recognised from the names when omitted. */
  corpus?: CorpusName;
}

/**
 * Scans `dir` recursively for audio files (see {@link AUDIO_EXTENSIONS}) and parses them with the
 * convention of `opts.corpus`, or of the corpus recognised by {@link detectCorpus}. Non-audio
 * files (READMEs, CSVs, videos) are ignored; audio files that do not parse are in `rejected`.
 * Throws when the folder holds no audio file, since an empty scan is always a wrong path, and
 * for `corpus: 'manifest'` (use {@link loadManifest}).
 *
 * @example
 * const { corpus, items, rejected } = await scanCorpus('/data/ravdess');
 * // corpus === 'ravdess', items.length === 1440, rejected.length === 0
 */
export async function scanCorpus(dir: string, opts: ScanOptions = {}): Promise<CorpusScan> {
  if (opts.corpus === 'manifest') {
    throw new TypeError('scanCorpus: manifests have no file-name convention; use loadManifest');
  }
  if (opts.corpus !== undefined && !Object.hasOwn(corpusParsers, opts.corpus)) {
    throw new TypeError(`scanCorpus: unknown corpus "${opts.corpus}"; known: ${corpusNames.join(', ')}`);
  }
  const root = resolve(dir);
  const paths = await listAudioFiles(root);
  if (paths.length === 0) {
    throw new Error(`no audio files (${AUDIO_EXTENSIONS.join(' ')}) under ${root}`);
  }
  const corpus = opts.corpus ?? detectCorpus(paths, root);
  return { corpus, ...parseCorpusFiles(paths, corpus, root) };
}
