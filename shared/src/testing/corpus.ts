/**
 * Test helpers for real speech: where the shared corpora live and a small decoder. Tests read the
 * corpora from `../shared/data` beside the repository (never copied into it); set `EMOSTREAM_DATA`
 * to point elsewhere.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import decode from 'audio-decode';

/** Absolute path of the corpora folder. */
export const DATA_DIR: string =
  process.env.EMOSTREAM_DATA ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));

/** True when the corpora are present (they are in CI and on developer machines). */
export const hasData: boolean = existsSync(join(DATA_DIR, 'ravdess'));

/** Path of a RAVDESS file, e.g. `ravdessPath(1, '03-01-05-01-01-01-01')`. */
export function ravdessPath(actor: number, stem: string): string {
  return join(DATA_DIR, 'ravdess', `Actor_${String(actor).padStart(2, '0')}`, `${stem}.flac`);
}

/** All FLAC files of one RAVDESS actor, sorted. */
export function ravdessActorFiles(actor: number): string[] {
  const dir = join(DATA_DIR, 'ravdess', `Actor_${String(actor).padStart(2, '0')}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Writes `<dir>/<name>.csv`, a manifest (`path,label,speaker`, paths relative to it) of the neutral,
 * happy, sad and angry clips of RAVDESS `actors`, as speakers `<prefix><actor>`: "a user's own data"
 * for tests of the manifest route. Returns its path and rows (header first).
 */
export function writeRavdessManifest(
  dir: string,
  name: string,
  actors: readonly number[],
  prefix: string,
): { csv: string; rows: string[] } {
  const labels: Record<string, string> = { '01': 'neutral', '03': 'happy', '04': 'sad', '05': 'angry' };
  const rows = ['path,label,speaker'];
  for (const actor of actors) {
    for (const f of ravdessActorFiles(actor)) {
      const label = labels[basename(f).split('-')[2] ?? ''];
      if (label) rows.push(`${relative(dir, f)},${label},${prefix}${actor}`);
    }
  }
  const csv = join(dir, `${name}.csv`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  return { csv, rows };
}

/** Decodes a corpus file (16 kHz mono FLAC) to float samples. */
export async function loadClip(path: string): Promise<Float32Array> {
  const buf = await decode(readFileSync(path));
  if (buf.sampleRate !== 16000) throw new Error(`${path}: expected 16 kHz, got ${buf.sampleRate}`);
  const ch = buf.channelData[0];
  if (!ch) throw new Error(`${path}: no audio channels`);
  return ch;
}
