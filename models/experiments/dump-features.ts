import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractFeatures } from '../../shared/src/features/extractor.ts';
import { DATA_DIR, loadClip } from '../../shared/src/testing/corpus.ts';
import { writeFrames } from './frames-file.ts';

const files: string[] = [];
for (const a of readdirSync(join(DATA_DIR, 'ravdess')))
  for (const f of readdirSync(join(DATA_DIR, 'ravdess', a))) files.push(join(DATA_DIR, 'ravdess', a, f));
for (const f of readdirSync(join(DATA_DIR, 'emodb', 'wav'))) files.push(join(DATA_DIR, 'emodb', 'wav', f));
mkdirSync('.cache/experiments', { recursive: true });
const clips: Array<{ path: string; block: ReturnType<typeof extractFeatures> }> = [];
for (const f of files) {
  const x = await loadClip(f);
  clips.push({ path: f, block: extractFeatures(x, { features: ['logmel', 'mfcc', 'rms', 'pitch'] }) });
}
console.log(files.length, writeFrames('.cache/experiments/feats', clips));
