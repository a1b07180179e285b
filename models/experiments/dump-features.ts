import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFeatures } from '../../shared/src/features/extractor.ts';
import { DATA_DIR, loadClip } from '../../shared/src/testing/corpus.ts';

const files: string[] = [];
for (const a of readdirSync(join(DATA_DIR, 'ravdess')))
  for (const f of readdirSync(join(DATA_DIR, 'ravdess', a))) files.push(join(DATA_DIR, 'ravdess', a, f));
for (const f of readdirSync(join(DATA_DIR, 'emodb', 'wav'))) files.push(join(DATA_DIR, 'emodb', 'wav', f));
mkdirSync('.cache/experiments', { recursive: true });
const meta: string[] = [];
const all: Float32Array[] = [];
let total = 0;
for (const f of files) {
  const x = await loadClip(f);
  const b = extractFeatures(x, { features: ['logmel', 'mfcc', 'rms', 'pitch'] });
  all.push(b.data);
  meta.push(`${f}\t${b.frames}\t${b.dim}`);
  total += b.data.length;
}
const out = new Float32Array(total);
let o = 0;
for (const a of all) {
  out.set(a, o);
  o += a.length;
}
writeFileSync('.cache/experiments/feats.f32', Buffer.from(out.buffer));
writeFileSync('.cache/experiments/feats.tsv', meta.join('\n'));
console.log(files.length, total);
