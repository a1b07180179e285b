/**
 * The three design ratios of the streaming server, measured in one run on real speech and the
 * shipped model (`models/default`):
 *
 * - `batchedVsUnbatched`: windows/s through the {@link MicroBatcher} on the ONNX engine with
 *   `maxBatchSize` 32 (the server's default) vs 1, under a burst from 64 streams so batches fill.
 * - `incrementalVsRecompute`: feature work per emitted window when every feature frame is computed
 *   once as the stream advances (one hop of new frames per window) vs recomputing the whole 3 s
 *   window's features from raw audio at every hop. Both with the project's `FeatureExtractor` and
 *   the model's feature configuration. The ratio is bounded by `windowFrames / hopFrames` (3 at the
 *   default 1 s hop), so the suite also reports it for shorter hops.
 * - `ortVsTfjs`: inference windows/s of ONNX Runtime vs TensorFlow.js (wasm backend) on the same
 *   model, at batch 32 and at batch 1.
 *
 * Ratios are taken from CPU time per window (robust to other jobs on shared cores); wall-clock
 * windows/s are reported beside them. Every engine runs on one thread, as the server configures it.
 */
import { cpus, loadavg } from 'node:os';
import { MicroBatcher } from '@emostream/server/batcher/micro-batcher';
import { loadModelPackage, type ModelPackage } from '@emostream/server/engine/model-package';
import type { InferenceEngine } from '@emostream/server/engine/onnx-engine';
import { TfjsEngine } from '@emostream/server/engine/tfjs-engine';
import { extractFeatures, FeatureExtractor } from '@emostream/shared/features/extractor';
import { loadSpeech } from '../audio.ts';
import { measure, round } from './measure.ts';
import { analyzerWindows, modelInputs } from './real-windows.ts';

export interface BatchingFigures {
  maxBatchSize: number;
  streams: number;
  /** Windows submitted at once per round (enough for every batch to be full). */
  burst: number;
  batchedWindowsPerCpuSecond: number;
  unbatchedWindowsPerCpuSecond: number;
  batchedWindowsPerSecond: number;
  unbatchedWindowsPerSecond: number;
  /** Mean size of the batches the batcher formed in the batched run. */
  meanBatchSize: number;
  /** Linear cost model of one engine call, t(n) = perCall + n * perWindow, from batch 1 and 32. */
  engineUsPerCall: number;
  engineUsPerWindow: number;
}

export interface FeatureFigures {
  features: string[];
  windowFrames: number;
  hopFrames: number;
  /** CPU microseconds per feature frame, streaming in 20 ms chunks. */
  incrementalUsPerFrame: number;
  /** Incremental work per emitted window: `hopFrames` new frames. */
  incrementalUsPerWindow: number;
  /** Recomputing a window's features from its raw audio with one reused extractor (reset per window). */
  recomputeUsPerWindow: number;
  /** The same with a new extractor per window (filterbank, DCT and FFT tables rebuilt each time). */
  recomputeFreshUsPerWindow: number;
  /** `incrementalVsRecompute` at other hops (`start.options.hopMs`), ms -> ratio. */
  ratioByHopMs: Record<string, number>;
  /** Upper bound of the ratio at the model's hop: windowFrames / hopFrames. */
  boundAtModelHop: number;
}

export interface EngineFigures {
  tfjsBackend: string;
  /** Windows per CPU second by engine and batch size. */
  windowsPerCpuSecond: Record<'ort' | 'tfjs', { batch1: number; batch32: number }>;
  windowsPerSecond: Record<'ort' | 'tfjs', { batch1: number; batch32: number }>;
  ratioBatch1: number;
  ratioBatch32: number;
}

export interface RatiosBenchResult {
  suite: 'ratios';
  model: { id: string; architecture: string; inputSize: number };
  /** Windows/s through the micro-batcher, maxBatchSize 32 / maxBatchSize 1. */
  batchedVsUnbatched: number;
  /** Feature work per emitted window, recompute / incremental, at the model's 1 s hop. */
  incrementalVsRecompute: number;
  /** Inference windows/s, ONNX Runtime / tfjs, at batch 32 (the server's batch size). */
  ortVsTfjs: number;
  batching: BatchingFigures;
  featureWork: FeatureFigures;
  engines: EngineFigures;
  input: { speechSeconds: number; windows: number; source: string };
  machine: { cores: number; loadAverage1m: number };
}

async function batcherRate(
  engine: InferenceEngine,
  inputs: Float32Array[],
  maxBatchSize: number,
  seconds: number,
) {
  const streams = 64;
  const burst = 512;
  const batcher = new MicroBatcher(engine, { maxBatchSize });
  const ids = Array.from({ length: streams }, (_, i) => `stream-${i}`);
  let next = 0;
  const round = async () => {
    const pending: Promise<Float32Array>[] = [];
    for (let i = 0; i < burst; i++)
      pending.push(batcher.submit({ streamId: ids[i % streams]!, data: inputs[next++ % inputs.length]! }));
    await Promise.all(pending);
    return burst;
  };
  const m = await measure(round, seconds);
  const s = batcher.stats();
  await batcher.close();
  return { m, streams, burst, meanBatchSize: s.windows / s.batches };
}

async function engineRate(engine: InferenceEngine, inputs: Float32Array[], batch: number, seconds: number) {
  const size = engine.inputSize;
  const x = new Float32Array(batch * size);
  for (let i = 0; i < batch; i++) x.set(inputs[i % inputs.length]!, i * size);
  return measure(async () => {
    await engine.infer(x, batch);
    return batch;
  }, seconds);
}

function featureWork(pkg: ModelPackage, speech: Float32Array) {
  const opts = pkg.analyzer.features;
  const fx = new FeatureExtractor(opts);
  const windowFrames = pkg.config.window.windowFrames;
  const hopFrames = pkg.config.window.hopFrames;
  const hop = fx.options.hopLength;
  const win = fx.options.winLength;
  const incremental = () => {
    fx.reset();
    let frames = 0;
    for (let pos = 0; pos < speech.length; pos += 320)
      frames += fx.push(speech.subarray(pos, Math.min(speech.length, pos + 320))).frames;
    return frames + fx.flush().frames;
  };
  // Window k covers frames [k * hopFrames, k * hopFrames + windowFrames): its raw audio is recomputed.
  const windowSamples = (windowFrames - 1) * hop + win;
  const starts: number[] = [];
  for (let s = 0; s + windowSamples <= speech.length; s += hopFrames * hop) starts.push(s);
  const recompute = () => {
    for (const s of starts) {
      fx.reset();
      const sub = speech.subarray(s, s + windowSamples);
      if (fx.push(sub).frames + fx.flush().frames !== windowFrames)
        throw new Error('bench: window frame count');
    }
    return starts.length;
  };
  const fresh = () => {
    for (const s of starts) extractFeatures(speech.subarray(s, s + windowSamples), opts);
    return starts.length;
  };
  return { incremental, recompute, fresh, windowFrames, hopFrames, features: fx.options.features };
}

/** Runs the suite; `seconds` is the CPU time spent on each measurement (default 2). */
export async function runRatiosBench(opts: { seconds?: number } = {}): Promise<RatiosBenchResult> {
  const seconds = opts.seconds ?? 2;
  const pkg = await loadModelPackage('models/default');
  const { samples } = await loadSpeech({ seconds: 60 });
  const windows = await analyzerWindows(samples, pkg);
  if (windows.length === 0) throw new Error('bench: the analyser cut no window from the speech');
  const inputs = modelInputs(windows, pkg);

  // 1. Micro-batcher, batch 32 vs 1, then the engine's own per-call vs per-window cost.
  const batched = await batcherRate(pkg.engine, inputs, 32, seconds);
  const unbatched = await batcherRate(pkg.engine, inputs, 1, seconds);
  const ort1 = await engineRate(pkg.engine, inputs, 1, seconds);
  const ort32 = await engineRate(pkg.engine, inputs, 32, seconds);
  const us = (m: { units: number; cpuS: number }) => (m.cpuS * 1e6) / m.units;
  const perWindow = (32 * us(ort32) - us(ort1)) / 31;
  const batching: BatchingFigures = {
    maxBatchSize: 32,
    streams: batched.streams,
    burst: batched.burst,
    batchedWindowsPerCpuSecond: Math.round(batched.m.units / batched.m.cpuS),
    unbatchedWindowsPerCpuSecond: Math.round(unbatched.m.units / unbatched.m.cpuS),
    batchedWindowsPerSecond: Math.round(batched.m.units / batched.m.wallS),
    unbatchedWindowsPerSecond: Math.round(unbatched.m.units / unbatched.m.wallS),
    meanBatchSize: round(batched.meanBatchSize, 1),
    engineUsPerCall: round(us(ort1) - perWindow, 1),
    engineUsPerWindow: round(perWindow, 2),
  };

  // 2. Feature work per emitted window.
  const f = featureWork(pkg, samples);
  const inc = await measure(f.incremental, seconds, 1);
  const rec = await measure(f.recompute, seconds, 1);
  const fresh = await measure(f.fresh, seconds, 1);
  const usPerFrame = us(inc);
  const ratioAtHop = (hopFrames: number) => us(rec) / (usPerFrame * hopFrames);
  const ratioByHopMs: Record<string, number> = {};
  for (const hopMs of [1000, 500, 250, 200]) ratioByHopMs[hopMs] = round(ratioAtHop(hopMs / 10), 1);
  const featureFigures: FeatureFigures = {
    features: [...f.features],
    windowFrames: f.windowFrames,
    hopFrames: f.hopFrames,
    incrementalUsPerFrame: round(usPerFrame, 2),
    incrementalUsPerWindow: round(usPerFrame * f.hopFrames, 1),
    recomputeUsPerWindow: round(us(rec), 1),
    recomputeFreshUsPerWindow: round(us(fresh), 1),
    ratioByHopMs,
    boundAtModelHop: round(f.windowFrames / f.hopFrames, 2),
  };

  // 3. ONNX Runtime vs tfjs on the same model and inputs.
  const tfjs = await TfjsEngine.load(pkg.dir, 'wasm');
  if (tfjs.inputSize !== pkg.engine.inputSize)
    throw new Error('bench: tfjs and ONNX models differ in input size');
  const tf1 = await engineRate(tfjs, inputs, 1, seconds);
  const tf32 = await engineRate(tfjs, inputs, 32, seconds);
  await tfjs.release();
  const perCpu = (m: { units: number; cpuS: number }) => Math.round(m.units / m.cpuS);
  const perWall = (m: { units: number; wallS: number }) => Math.round(m.units / m.wallS);
  const engines: EngineFigures = {
    tfjsBackend: tfjs.provider,
    windowsPerCpuSecond: {
      ort: { batch1: perCpu(ort1), batch32: perCpu(ort32) },
      tfjs: { batch1: perCpu(tf1), batch32: perCpu(tf32) },
    },
    windowsPerSecond: {
      ort: { batch1: perWall(ort1), batch32: perWall(ort32) },
      tfjs: { batch1: perWall(tf1), batch32: perWall(tf32) },
    },
    ratioBatch1: round(us(tf1) / us(ort1), 2),
    ratioBatch32: round(us(tf32) / us(ort32), 2),
  };
  await pkg.engine.release();

  return {
    suite: 'ratios',
    model: { id: pkg.config.id, architecture: pkg.config.architecture, inputSize: pkg.engine.inputSize },
    batchedVsUnbatched: round(us(unbatched.m) / us(batched.m), 2),
    incrementalVsRecompute: round(ratioAtHop(f.hopFrames), 2),
    ortVsTfjs: engines.ratioBatch32,
    batching,
    featureWork: featureFigures,
    engines,
    input: { speechSeconds: samples.length / 16000, windows: windows.length, source: 'RAVDESS actors 1-8' },
    machine: { cores: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0, 2) },
  };
}
