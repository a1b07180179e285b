import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SileroVad } from '@emostream/server/vad/silero';
import { hasData, ravdessPath } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telephone } from '../augment/channel.ts';
import { Rng } from '../augment/rng.ts';
import { scanCorpus } from '../corpora/scan.ts';
import { buildWindowCache, type CacheOptions, type Variant } from './window-cache.ts';

const STEMS = ['03-01-05-02-01-01-19', '03-01-04-01-02-01-19', '03-01-01-01-01-02-19'];
const phone: Variant = { id: 'phone', version: 1, transform: (x, seed) => telephone(x, new Rng(seed)) };

let tmp: string;
let vad: SileroVad;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'emostream-cache-'));
  vad = await SileroVad.load();
});
afterAll(async () => {
  await vad?.release();
  await rm(tmp, { recursive: true, force: true });
});

/** The three clips as a RAVDESS folder under `where` (links to the shared copies, not copies). */
async function corpusAt(where: string) {
  const dir = join(tmp, where, 'ravdess', 'Actor_19');
  await mkdir(dir, { recursive: true });
  for (const stem of STEMS) await symlink(ravdessPath(19, stem), join(dir, `${stem}.flac`));
  return (await scanCorpus(join(tmp, where, 'ravdess'))).items;
}

describe.runIf(hasData)('the feature cache', () => {
  it('gives the same augmented windows wherever the corpus sits, and is reused after a move', async () => {
    const [here, there] = [await corpusAt('here'), await corpusAt('elsewhere/there')];
    expect(here.map((i) => i.path)).not.toEqual(there.map((i) => i.path));
    const options = (cacheDir: string, seed = 1): CacheOptions => ({
      analyzer: {
        features: { features: ['logmel'] },
        vad: {},
        window: { windowFrames: 300, hopFrames: 100 },
      },
      variant: phone,
      cacheDir: join(tmp, cacheDir),
      seed,
      vad,
      quiet: true,
    });
    // Built apart, in two caches: the same telephone-line draws, so the same windows.
    const a = await buildWindowCache(here, options('cache-a'));
    const b = await buildWindowCache(there, options('cache-b'));
    expect(a.data.length).toBeGreaterThan(0);
    expect(b.key).toBe(a.key);
    expect(b.data).toEqual(a.data);
    // Another augmentation seed draws other lines.
    const other = await buildWindowCache(here, options('cache-c', 2));
    expect(other.key).not.toBe(a.key);
    expect(other.data).not.toEqual(a.data);
    // The moved corpus reads the first cache as it is, and its clips name where the files are now.
    const files = await readdir(join(tmp, 'cache-a'));
    const reused = await buildWindowCache(there, options('cache-a'));
    expect(await readdir(join(tmp, 'cache-a'))).toEqual(files);
    expect(reused.data).toEqual(a.data);
    expect(reused.clips.map((c) => c.path)).toEqual(there.map((i) => i.path));
    expect(reused.clips.map((c) => basename(c.path))).toEqual(a.clips.map((c) => basename(c.path)));
  }, 60_000);
});
