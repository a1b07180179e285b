/**
 * onnxruntime-node inference time of exported models on one intra-op thread, per 3-second window
 * (300 frames x 64 mels; the statistics model reads that window's statistics instead), at batch 1 (a
 * lone live stream) and batch 32 (a full dynamic batch).
 * Architectures that fail to build are reported with their error instead of a figure.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { ARCHITECTURES, type ArchitectureName, buildModel } from '../train/architectures.ts';
import { exportOnnx } from './onnx.ts';

export interface OnnxBenchResult {
  suite: 'onnx';
  frames: number;
  dim: number;
  width: number;
  /** Wall-clock milliseconds per window, by architecture and batch size; or the build error. */
  msPerWindow: Record<string, Record<string, number> | string>;
  /** Size of each exported model in KiB. */
  modelKiB: Record<string, number>;
}

async function timeBatch(session: ort.InferenceSession, batch: number, shape: number[], seconds: number) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(batch * size).map(() => Math.random() * 2 - 1);
  const feeds = { features: new ort.Tensor('float32', data, [batch, ...shape]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  let windows = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await session.run(feeds);
    windows += batch;
  }
  return (performance.now() - t0) / windows;
}

/** Runs the benchmark for about `seconds` per architecture and batch size. */
export async function runOnnxBench(
  opts: { seconds?: number; width?: number; architectures?: ArchitectureName[] } = {},
): Promise<OnnxBenchResult> {
  await tf.setBackend('cpu');
  const frames = 300;
  const dim = 64;
  const width = opts.width ?? 1;
  const result: OnnxBenchResult = { suite: 'onnx', frames, dim, width, msPerWindow: {}, modelKiB: {} };
  for (const name of opts.architectures ?? ARCHITECTURES) {
    let model: tf.LayersModel;
    try {
      model = buildModel(name, { frames, dim, classes: 7, width, dropout: 0.3, l2: 0, seed: 1 });
    } catch (e) {
      result.msPerWindow[name] = `build failed: ${(e as Error).message}`;
      continue;
    }
    // One item's input as the model declares it: [frames, dim], or a statistics vector.
    const shape = (model.inputs[0]!.shape as Array<number | null>).slice(1) as number[];
    const bytes = exportOnnx(model);
    model.dispose();
    result.modelKiB[name] = Math.round(bytes.length / 1024);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const times: Record<string, number> = {};
    for (const batch of [1, 32]) {
      times[`batch${batch}`] =
        Math.round((await timeBatch(session, batch, shape, opts.seconds ?? 2)) * 1000) / 1000;
    }
    result.msPerWindow[name] = times;
    await session.release();
  }
  return result;
}
