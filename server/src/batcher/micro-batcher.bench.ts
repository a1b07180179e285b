/**
 * Micro-batcher overhead: CPU time per window spent in the batcher itself (queueing, copying into
 * the batch buffer, slicing logits, settling promises), with a no-op engine so that only the
 * batcher is measured. Bursts from 64 streams fill whole batches, so no timer is involved. Two
 * window sizes: a 1-value window (bookkeeping only) and a real 300 x 64 log-mel window (adds the
 * 77 kB copy into the batch buffer).
 */
import type { InferenceEngine } from '../engine/onnx-engine.ts';
import { MicroBatcher } from './micro-batcher.ts';

export interface BatcherBenchResult {
  suite: 'batcher';
  maxBatchSize: number;
  streams: number;
  /** CPU microseconds per window with 1-value windows. */
  bookkeepingUsPerWindow: number;
  /** CPU microseconds per window with 300 x 64 windows. */
  fullWindowUsPerWindow: number;
  /** Windows per CPU second with 300 x 64 windows. */
  fullWindowsPerCpuSecond: number;
}

function noopEngine(frames: number, dim: number, classes: number, maxBatch: number): InferenceEngine {
  const outputs = Array.from({ length: maxBatch + 1 }, (_, n) => new Float32Array(n * classes));
  return {
    frames,
    dim,
    inputSize: frames * dim,
    classes,
    provider: 'noop',
    infer: async (_input, n) => outputs[n]!,
    release: async () => {},
  };
}

async function measure(frames: number, dim: number, seconds: number, maxBatchSize: number, streams: number) {
  const batcher = new MicroBatcher(noopEngine(frames, dim, 8, maxBatchSize), { maxBatchSize });
  const windows = Array.from({ length: streams }, () => new Float32Array(frames * dim).fill(0.5));
  const ids = Array.from({ length: streams }, (_, i) => `stream-${i}`);
  const burst = maxBatchSize * 8;
  const runOnce = async () => {
    const pending: Promise<Float32Array>[] = [];
    for (let i = 0; i < burst; i++)
      pending.push(batcher.submit({ streamId: ids[i % streams]!, data: windows[i % streams]! }));
    await Promise.all(pending);
  };
  for (let i = 0; i < 50; i++) await runOnce(); // warm up the JIT
  const budget = seconds * 1e6;
  const t0 = process.cpuUsage();
  let count = 0;
  let used = 0;
  while (used < budget) {
    await runOnce();
    count += burst;
    const d = process.cpuUsage(t0);
    used = d.user + d.system;
  }
  await batcher.close();
  return used / count;
}

/** Runs the benchmark for about `seconds` of CPU time per window size. */
export async function runBatcherBench(opts: { seconds?: number } = {}): Promise<BatcherBenchResult> {
  const seconds = opts.seconds ?? 2;
  const maxBatchSize = 32;
  const streams = 64;
  const tiny = await measure(1, 1, seconds, maxBatchSize, streams);
  const full = await measure(300, 64, seconds, maxBatchSize, streams);
  return {
    suite: 'batcher',
    maxBatchSize,
    streams,
    bookkeepingUsPerWindow: Math.round(tiny * 1000) / 1000,
    fullWindowUsPerWindow: Math.round(full * 100) / 100,
    fullWindowsPerCpuSecond: Math.round(1e6 / full),
  };
}
