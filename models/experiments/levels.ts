/**
 * File levels per emotion: mean RMS and peak (dBFS) of each corpus's files, grouped by the emotion
 * code in their names. Shows that RAVDESS keeps natural levels while EmoDB files are peak-normalised.
 * Run from the repository root: `npx tsx models/experiments/levels.ts`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, loadClip } from '../../shared/src/testing/corpus.ts';

const rows = new Map<string, { rms: number[]; peak: number[] }>();
async function add(key: string, path: string): Promise<void> {
  const x = await loadClip(path);
  let peak = 0;
  let sum = 0;
  for (const v of x) {
    peak = Math.max(peak, Math.abs(v));
    sum += v * v;
  }
  const r = rows.get(key) ?? { rms: [], peak: [] };
  r.rms.push(10 * Math.log10(sum / x.length));
  r.peak.push(20 * Math.log10(peak));
  rows.set(key, r);
}

const emodb = join(DATA_DIR, 'emodb', 'wav');
for (const f of readdirSync(emodb)) await add(`emodb ${f[5]}`, join(emodb, f));
for (const actor of ['01', '02', '03', '04']) {
  const dir = join(DATA_DIR, 'ravdess', `Actor_${actor}`);
  for (const f of readdirSync(dir)) await add(`ravdess ${f.split('-')[2]}`, join(dir, f));
}
const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1);
for (const [k, v] of [...rows].sort(([a], [b]) => a.localeCompare(b)))
  console.log(`${k}: ${v.rms.length} files, RMS ${mean(v.rms)} dBFS, peak ${mean(v.peak)} dBFS`);
