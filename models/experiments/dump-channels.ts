/**
 * Per-frame log-mel, RMS and pitch of every clip through evaluation channels (clean, noise, phone),
 * for the numpy channel-robustness proxies (`channel_proxy.py`). Same clip order as dump-features.ts.
 *   npx tsx models/experiments/dump-channels.ts clean noise:10 noise:20 phone
 * With PITCH_NOISE_FLOOR_MS=1500 the pitch tracker's noise-adaptive voicing is on and the dumps are
 * named `ch-<channel>-pnf1500`.
 */
import { mkdirSync } from 'node:fs';
import { extractFeatures } from '../../shared/src/features/extractor.ts';
import { loadClip } from '../../shared/src/testing/corpus.ts';
import { applyChannel, parseChannel } from '../src/eval/channel.ts';
import { corpusFiles, writeFrames } from './frames-file.ts';

const files = corpusFiles();
const pnf = process.env.PITCH_NOISE_FLOOR_MS ? Number(process.env.PITCH_NOISE_FLOOR_MS) : null;
const suffix = pnf === null ? '' : `-pnf${pnf}`;
mkdirSync('.cache/experiments', { recursive: true });
const clips = await Promise.all(files.map((f) => loadClip(f)));
for (const name of process.argv.slice(2)) {
  const channel = parseChannel(name);
  const out: Array<{ path: string; block: ReturnType<typeof extractFeatures> }> = [];
  for (const [i, f] of files.entries()) {
    const x = await applyChannel(clips[i]!, channel, f);
    out.push({
      path: f,
      block: extractFeatures(x, { features: ['logmel', 'rms', 'pitch'], pitchNoiseFloorMs: pnf }),
    });
  }
  const total = writeFrames(`.cache/experiments/ch-${name.replace(':', '')}${suffix}`, out);
  console.log(name, files.length, total);
}
