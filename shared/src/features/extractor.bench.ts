/**
 * Feature-engine throughput: log-mel 64 + MFCC 40 on one core, 10 ms frames, fed in 20 ms chunks as a
 * live stream delivers them. Real speech from the corpora when present, else a synthetic signal.
 */
import { hasData, loadClip, ravdessActorFiles } from '../testing/corpus.ts';
import { FeatureExtractor } from './extractor.ts';

export interface FeatureBenchResult {
  suite: 'features';
  features: string[];
  chunkMs: number;
  audioSeconds: number;
  frames: number;
  cpuSeconds: number;
  /** Feature frames computed per second of one core. */
  framesPerSecond: number;
  /** CPU time divided by audio time (lower is faster; 0.001 = 1000 streams per core). */
  realTimeFactor: number;
  /** Live streams one core could featurise: 1 / realTimeFactor. */
  streamsPerCore: number;
  input: string;
}

async function speech(seconds: number): Promise<{ x: Float32Array; input: string }> {
  const x = new Float32Array(seconds * 16000);
  if (!hasData) {
    for (let i = 0; i < x.length; i++)
      x[i] = 0.3 * Math.sin((2 * Math.PI * 180 * i) / 16000) + 0.01 * Math.sin(i * 1.7);
    return { x, input: 'synthetic' };
  }
  let pos = 0;
  const files = ravdessActorFiles(1);
  for (let i = 0; pos < x.length; i++) {
    const clip = await loadClip(files[i % files.length]!);
    const n = Math.min(clip.length, x.length - pos);
    x.set(clip.subarray(0, n), pos);
    pos += n;
  }
  return { x, input: 'RAVDESS Actor_01 speech' };
}

/** Runs the benchmark for about `seconds` of CPU time. */
export async function runFeatureBench(opts: { seconds?: number } = {}): Promise<FeatureBenchResult> {
  const features = ['logmel', 'mfcc'] as const;
  const { x, input } = await speech(60);
  const chunk = 320;
  const fx = new FeatureExtractor({ features: [...features] });
  const runOnce = () => {
    fx.reset();
    let frames = 0;
    for (let pos = 0; pos < x.length; pos += chunk) frames += fx.push(x.subarray(pos, pos + chunk)).frames;
    frames += fx.flush().frames;
    return frames;
  };
  runOnce(); // warm up the JIT
  const budget = (opts.seconds ?? 5) * 1e6;
  const t0 = process.cpuUsage();
  let frames = 0;
  let audio = 0;
  let used = 0;
  while (used < budget) {
    frames += runOnce();
    audio += x.length / 16000;
    const d = process.cpuUsage(t0);
    used = d.user + d.system;
  }
  const cpuSeconds = used / 1e6;
  return {
    suite: 'features',
    features: [...features],
    chunkMs: 20,
    audioSeconds: audio,
    frames,
    cpuSeconds,
    framesPerSecond: Math.round(frames / cpuSeconds),
    realTimeFactor: cpuSeconds / audio,
    streamsPerCore: Math.round(audio / cpuSeconds),
    input,
  };
}
