/**
 * Writes per-clip feature frames as `<base>.f32` (all frames back to back) and `<base>.tsv` (path,
 * frames, dim per clip), the format `proxy_models.py` reads.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureBlock } from '../../shared/src/features/extractor.ts';
import { DATA_DIR } from '../../shared/src/testing/corpus.ts';

/** Every RAVDESS and EmoDB clip in `../shared/data`, in sorted order. */
export function corpusFiles(): string[] {
  const files: string[] = [];
  for (const a of readdirSync(join(DATA_DIR, 'ravdess')).sort())
    for (const f of readdirSync(join(DATA_DIR, 'ravdess', a)).sort())
      files.push(join(DATA_DIR, 'ravdess', a, f));
  for (const f of readdirSync(join(DATA_DIR, 'emodb', 'wav')).sort())
    files.push(join(DATA_DIR, 'emodb', 'wav', f));
  return files;
}

export function writeFrames(
  base: string,
  clips: ReadonlyArray<{ path: string; block: FeatureBlock }>,
): number {
  const total = clips.reduce((a, c) => a + c.block.data.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const { block } of clips) {
    out.set(block.data, o);
    o += block.data.length;
  }
  writeFileSync(`${base}.f32`, Buffer.from(out.buffer));
  writeFileSync(`${base}.tsv`, clips.map((c) => `${c.path}\t${c.block.frames}\t${c.block.dim}`).join('\n'));
  return total;
}
