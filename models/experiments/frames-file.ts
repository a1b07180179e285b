/**
 * Writes per-clip feature frames as `<base>.f32` (all frames back to back) and `<base>.tsv` (path,
 * frames, dim per clip), the format `proxy_models.py` reads.
 */
import { writeFileSync } from 'node:fs';
import type { FeatureBlock } from '../../shared/src/features/extractor.ts';

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
