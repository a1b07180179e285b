/**
 * The feature cache: every clip of a corpus run through the server's own analysis core (features,
 * Silero VAD, speech windows) once per augmentation variant, stored on disk so that repeated
 * training runs do not recompute it. Windows are stored raw (unnormalised) together with each
 * clip's speech statistics, so training can normalise them with any simulated session.
 *
 * Cache files are keyed by a hash of the analysis configuration, the variant, the seed and every
 * input file's bytes, speaker, label and `augmentKey` (corpus and path inside the corpus folder, not
 * where the folder sits): change any of them and the variant is rebuilt; move the corpora, or use
 * them from another checkout with `--cache` pointing here, and it is reused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnalyzerConfig, StreamAnalyzer } from '@emostream/server/core/stream-analyzer';
import type { SileroVad } from '@emostream/server/vad/silero';
import type { WindowSpan } from '@emostream/shared/analysis/window-stats';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { augmentKey, type CorpusItem } from '../corpora/types.ts';
import { progress } from '../util/progress.ts';

/** A deterministic waveform transform applied before analysis (the identity for clean audio). */
export interface Variant {
  /** Short id, part of the cache key; bump `version` when the transform changes. */
  id: string;
  version: number;
  transform?: (samples: Float32Array, seed: number) => Promise<Float32Array>;
}

/** One clip of one variant in the cache. */
export interface CachedClip {
  path: string;
  corpus: string;
  speaker: string;
  label: string;
  variant: string;
  durationS: number;
  /** Index of the clip's first window in the cache and how many it has (0 when no speech was found). */
  firstWindow: number;
  windows: number;
  /** Speech statistics the server's normaliser would have learned from this clip. */
  statsFrames: number;
  statsSum: number[];
  statsSumSq: number[];
}

export interface WindowCache {
  key: string;
  dim: number;
  windowFrames: number;
  clips: CachedClip[];
  /** Windows, row-major `windowFrames x dim` each, back to back. */
  data: Float32Array;
  padStart: Int16Array;
  padEnd: Int16Array;
  /** Speech rows of each window (see `FeatureWindow.speechStart`). */
  speechStart: Int16Array;
  speechEnd: Int16Array;
}

export interface CacheOptions {
  analyzer: AnalyzerConfig;
  variant: Variant;
  cacheDir: string;
  seed: number;
  vad: SileroVad;
  quiet?: boolean;
}

/** Pads and speech rows of window `w` of the cache. */
export function windowSpan(cache: WindowCache, w: number): WindowSpan {
  return {
    frames: cache.windowFrames,
    padStart: cache.padStart[w]!,
    padEnd: cache.padEnd[w]!,
    speechStart: cache.speechStart[w]!,
    speechEnd: cache.speechEnd[w]!,
  };
}

/**
 * Seed of one clip's transform: stable across runs, independent of the clip order and, through
 * `augmentKey`, of where the corpus sits.
 */
export function clipSeed(seed: number, key: string, variant: string): number {
  return createHash('sha256').update(`${seed}:${variant}:${key}`).digest().readUInt32LE(0);
}

const contentHashes = new Map<string, { size: number; mtimeMs: number; hash: string }>();

/** SHA-256 of a file's bytes, remembered per process while its size and mtime stay the same. */
async function contentHash(path: string): Promise<string> {
  const s = await stat(path);
  const known = contentHashes.get(path);
  if (known && known.size === s.size && known.mtimeMs === s.mtimeMs) return known.hash;
  const hash = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  contentHashes.set(path, { size: s.size, mtimeMs: s.mtimeMs, hash });
  return hash;
}

/**
 * Layout of the cache files; bump it when a field is added (v2: speech rows of each window; v3: keyed
 * by `augmentKey` instead of the absolute path).
 */
const CACHE_FORMAT = 3;

async function cacheKey(items: readonly CorpusItem[], o: CacheOptions): Promise<string> {
  const h = createHash('sha256');
  // The seed only matters to variants that transform the audio; clean caches are shared across seeds.
  const seed = o.variant.transform ? o.seed : 0;
  h.update(
    JSON.stringify({
      analyzer: o.analyzer,
      variant: o.variant.id,
      version: o.variant.version,
      seed,
      format: CACHE_FORMAT,
    }),
  );
  // Audio by content, not by modification time, and by its place inside its corpus, not on disk: a
  // corpus copied, unpacked anew or moved keeps its cache.
  for (const it of items) {
    h.update(`${augmentKey(it)}\0${await contentHash(it.path)}\0${it.speaker}\0${it.label}\n`);
  }
  return h.digest('hex').slice(0, 24);
}

/** Loads the variant's windows from the cache, computing and storing them if needed. */
export async function buildWindowCache(items: readonly CorpusItem[], o: CacheOptions): Promise<WindowCache> {
  const key = `${o.variant.id}-${await cacheKey(items, o)}`;
  const base = join(o.cacheDir, key);
  if (existsSync(`${base}.json`) && existsSync(`${base}.f32`)) return loadCache(base, key, items);

  const analyzerConfig: AnalyzerConfig = { ...o.analyzer, normalizer: undefined };
  const probe = new StreamAnalyzer(analyzerConfig, async () => 0);
  const dim = probe.features.dim;
  const windowFrames = probe.windower.options.windowFrames;
  const winSize = windowFrames * dim;
  const clips: CachedClip[] = [];
  const chunks: Float32Array[] = [];
  const pads: number[] = [];
  let windows = 0;
  const bar = progress(`features ${o.variant.id}`, items.length, { quiet: o.quiet });
  for (const item of items) {
    const decoded = await decodeAudioFile(item.path);
    const x = o.variant.transform
      ? await o.variant.transform(decoded.samples, clipSeed(o.seed, augmentKey(item), o.variant.id))
      : decoded.samples;
    const state = o.vad.newState();
    const analyzer = new StreamAnalyzer(
      {
        ...analyzerConfig,
        normalizer: { priorMean: new Array(dim).fill(0), priorStd: new Array(dim).fill(1), priorFrames: 0 },
      },
      async (f) => (await o.vad.run([f], [state]))[0]!,
      { raw: true },
    );
    const a = await analyzer.push(x);
    const b = await analyzer.end();
    const ws = [...a.windows, ...b.windows];
    for (const w of ws) {
      if (w.data.length !== winSize)
        throw new Error(`window of ${w.data.length} values, expected ${winSize}`);
      chunks.push(w.data);
      pads.push(w.padStart, w.padEnd, w.speechStart, w.speechEnd);
    }
    const stats = analyzer.normalizer!.snapshot();
    clips.push({
      path: item.path,
      corpus: item.corpus,
      speaker: item.speaker,
      label: item.label,
      variant: o.variant.id,
      durationS: x.length / 16000,
      firstWindow: windows,
      windows: ws.length,
      statsFrames: stats.frames,
      statsSum: stats.sum,
      statsSumSq: stats.sumSq,
    });
    windows += ws.length;
    bar.tick(1, { windows });
  }
  bar.stop();
  const data = new Float32Array(windows * winSize);
  chunks.forEach((c, i) => {
    data.set(c, i * winSize);
  });
  const [padStart, padEnd, speechStart, speechEnd] = [0, 1, 2, 3].map((k) =>
    Int16Array.from({ length: windows }, (_, i) => pads[4 * i + k]!),
  ) as [Int16Array, Int16Array, Int16Array, Int16Array];
  const cache: WindowCache = {
    key,
    dim,
    windowFrames,
    clips,
    data,
    padStart,
    padEnd,
    speechStart,
    speechEnd,
  };
  await mkdir(o.cacheDir, { recursive: true });
  // Write under temporary names private to this process and rename, so an interrupted run never
  // leaves a half cache and two runs filling the same cache at once do not trip over each other
  // (both write identical contents; the last rename wins).
  const tmp = `${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(`${base}.f32.${tmp}`, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  const meta = {
    key,
    dim,
    windowFrames,
    clips,
    padStart: Array.from(padStart),
    padEnd: Array.from(padEnd),
    speechStart: Array.from(speechStart),
    speechEnd: Array.from(speechEnd),
  };
  await writeFile(`${base}.json.${tmp}`, JSON.stringify(meta));
  await rename(`${base}.f32.${tmp}`, `${base}.f32`);
  await rename(`${base}.json.${tmp}`, `${base}.json`);
  return cache;
}

/**
 * A stored cache. Its clips are the items' in order (the key hashes them in order), so each clip
 * takes its item's current path: a cache built where the corpora sat before names where they are now.
 */
async function loadCache(base: string, key: string, items: readonly CorpusItem[]): Promise<WindowCache> {
  const meta = JSON.parse(await readFile(`${base}.json`, 'utf8')) as Omit<
    WindowCache,
    'data' | 'padStart' | 'padEnd' | 'speechStart' | 'speechEnd'
  > & {
    padStart: number[];
    padEnd: number[];
    speechStart: number[];
    speechEnd: number[];
  };
  const buf = await readFile(`${base}.f32`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return {
    key,
    dim: meta.dim,
    windowFrames: meta.windowFrames,
    clips: meta.clips.map((c, i) => ({ ...c, path: items[i]?.path ?? c.path })),
    data,
    padStart: Int16Array.from(meta.padStart),
    padEnd: Int16Array.from(meta.padEnd),
    speechStart: Int16Array.from(meta.speechStart),
    speechEnd: Int16Array.from(meta.speechEnd),
  };
}
