/**
 * CSV manifests: how users bring their own corpora. Header `path,label,speaker` (any order; extra
 * columns are kept as metadata), paths relative to the manifest's folder, labels canonical names.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseCsv } from './csv.ts';
import { CANONICAL_LABELS, isCanonicalLabel } from './labels.ts';
import {
  AUDIO_EXTENSIONS,
  type CorpusItem,
  type CorpusScan,
  isAudioPath,
  pathWithin,
  type RejectedFile,
} from './types.ts';

const REQUIRED = ['path', 'label', 'speaker'] as const;

/** Meta key holding the item's manifest line; a column of that name would be overwritten, so it is refused. */
const LINE_KEY = 'manifestLine';

/** Files checked for existence at a time, so a huge manifest does not queue one stat per row at once. */
const STAT_BATCH = 64;

/**
 * Parses manifest text without touching the file system. `manifestPath` is where the text came
 * from: relative paths resolve against its folder, and it names rows that have no usable path.
 *
 * Header problems (missing, duplicated or reserved column, malformed header) make the whole file
 * unusable and throw. Row problems reject that row, with its line number in `reason` and `line`:
 * a malformed CSV record, a wrong field count, an empty or non-audio path, a label that is not a
 * canonical name (exact, lower case; no guessing at "Happy" or "excited"), an empty speaker or one
 * with surrounding spaces, or a path already listed on an earlier line. Speakers become `manifest:<speaker>`.
 */
export function parseManifest(text: string, manifestPath: string): Omit<CorpusScan, 'corpus'> {
  const manifest = resolve(manifestPath);
  const baseDir = dirname(manifest);
  const records = parseCsv(text);
  const header = records[0];
  if (header === undefined)
    throw new Error(`${manifest}: empty manifest, expected a header path,label,speaker`);
  if (header.error !== undefined)
    throw new Error(`${manifest}: line ${header.line}: bad header: ${header.error}`);
  const columns = header.fields;
  const duplicated = columns.filter((c, k) => columns.indexOf(c) !== k);
  if (duplicated.length > 0) throw new Error(`${manifest}: duplicated columns: ${duplicated.join(', ')}`);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `${manifest}: header lacks ${missing.join(', ')}; expected path,label,speaker, got ${columns.join(',')}`,
    );
  }
  if (columns.includes(LINE_KEY)) throw new Error(`${manifest}: column name "${LINE_KEY}" is reserved`);
  const at = (name: string) => columns.indexOf(name);
  const [pathAt, labelAt, speakerAt] = [at('path'), at('label'), at('speaker')];

  const items: CorpusItem[] = [];
  const rejected: RejectedFile[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of records.slice(1)) {
    const { line, fields } = record;
    const rawPath = fields[pathAt] ?? '';
    const path = rawPath === '' ? `${manifest}:${line}` : resolve(baseDir, rawPath);
    const refuse = (reason: string) => rejected.push({ path, reason: `line ${line}: ${reason}`, line });
    if (record.error !== undefined) {
      refuse(record.error);
      continue;
    }
    if (fields.length !== columns.length) {
      refuse(`expected ${columns.length} fields, got ${fields.length}`);
      continue;
    }
    const label = fields[labelAt] ?? '';
    const speaker = fields[speakerAt] ?? '';
    if (rawPath === '') {
      refuse('empty path');
    } else if (!isAudioPath(rawPath)) {
      refuse(`"${extname(rawPath)}" is not an audio extension (expected ${AUDIO_EXTENSIONS.join(' ')})`);
    } else if (!isCanonicalLabel(label)) {
      refuse(`unknown label ${JSON.stringify(label)} (expected one of ${CANONICAL_LABELS.join(', ')})`);
    } else if (speaker.trim() === '') {
      refuse('empty speaker');
    } else if (speaker !== speaker.trim()) {
      // "alice" and "alice " would be two speakers that a split could separate: refuse, not trim.
      refuse(`speaker ${JSON.stringify(speaker)} has leading or trailing spaces`);
    } else if (firstLineOf.has(path)) {
      refuse(`duplicate of line ${firstLineOf.get(path)}`);
    } else {
      firstLineOf.set(path, line);
      const meta: Record<string, string | number> = {};
      columns.forEach((c, k) => {
        if (k !== pathAt && k !== labelAt && k !== speakerAt) meta[c] = fields[k] ?? '';
      });
      meta[LINE_KEY] = line;
      items.push({
        path,
        corpus: 'manifest',
        speaker: `manifest:${speaker}`,
        // A relative path moves with the manifest; an absolute one names a fixed place.
        ...(isAbsolute(rawPath) ? {} : { within: pathWithin(baseDir, path) }),
        label,
        meta,
      });
    }
  }
  return { items, rejected };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads a CSV manifest (see {@link parseManifest}) and also rejects rows whose file does not
 * exist, so that a typo surfaces as a line number now rather than a decode error mid-training.
 * Items are sorted by path and rejects by line.
 */
export async function loadManifest(csvPath: string): Promise<CorpusScan> {
  const manifest = resolve(csvPath);
  const parsed = parseManifest(await readFile(manifest, 'utf8'), manifest);
  const items: CorpusItem[] = [];
  const rejected = [...parsed.rejected];
  for (let k = 0; k < parsed.items.length; k += STAT_BATCH) {
    const batch = parsed.items.slice(k, k + STAT_BATCH);
    const exists = await Promise.all(batch.map((item) => isFile(item.path)));
    batch.forEach((item, b) => {
      if (exists[b]) {
        items.push(item);
      } else {
        const line = Number(item.meta[LINE_KEY]);
        rejected.push({ path: item.path, reason: `line ${line}: file not found`, line });
      }
    });
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { corpus: 'manifest', items, rejected };
}
