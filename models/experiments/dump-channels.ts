/**
 * Per-frame log-mel, RMS and pitch of every clip through evaluation channels (clean, noise, phone),
 * for the numpy channel-robustness proxies (`channel_proxy.py`). Same clip order as dump-features.ts.
 *   npx tsx models/experiments/dump-channels.ts clean noise:10 noise:20 phone
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFeatures } from '../../shared/src/features/extractor.ts';
import { DATA_DIR, loadClip } from '../../shared/src/testing/corpus.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';

const files: string[] = [];
for (const a of readdirSync(join(DATA_DIR, 'ravdess')).sort())
  for (const f of readdirSync(join(DATA_DIR, 'ravdess', a)).sort())
    files.push(join(DATA_DIR, 'ravdess', a, f));
for (const f of readdirSync(join(DATA_DIR, 'emodb', 'wav')).sort())
  files.push(join(DATA_DIR, 'emodb', 'wav', f));
mkdirSync('.cache/experiments', { recursive: true });
const clips = await Promise.all(files.map((f) => loadClip(f)));
for (const name of process.argv.slice(2)) {
  const channel = parseChannel(name);
  const meta: string[] = [];
  const parts: Float32Array[] = [];
  let total = 0;
  for (const [i, f] of files.entries()) {
    const x = await applyChannel(clips[i]!, channel, f);
    const b = extractFeatures(x, { features: ['logmel', 'rms', 'pitch'] });
    parts.push(b.data);
    meta.push(`${f}\t${b.frames}\t${b.dim}`);
    total += b.data.length;
  }
  const out = new Float32Array(total);
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  const tag = name.replace(':', '');
  writeFileSync(`.cache/experiments/ch-${tag}.f32`, Buffer.from(out.buffer));
  writeFileSync(`.cache/experiments/ch-${tag}.tsv`, meta.join('\n'));
  console.log(name, files.length, total);
}
