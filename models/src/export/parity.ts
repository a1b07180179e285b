/**
 * Numerical parity between a tfjs model and its ONNX export run by onnxruntime-node: the check an
 * exported model must pass before it ships.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(model);
 * const { maxAbsProbDiff } = await paritySamples(model, bytes, windows, 100);
 * if (maxAbsProbDiff > 1e-4) throw new Error('export drifted');
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './onnx.ts';

export interface ParityResult {
  /** Largest |tfjs logit - ONNX logit| over all windows and classes. */
  maxAbsLogitDiff: number;
  /** Largest |tfjs probability - ONNX probability| after a softmax over classes. */
  maxAbsProbDiff: number;
}

export interface ParityOptions {
  /** Windows per tfjs predict / ORT run. */
  batchSize: number;
  /** Passed to onnxruntime's InferenceSession.create. */
  session: ort.InferenceSession.SessionOptions;
}

export const defaultParityOptions: ParityOptions = { batchSize: 32, session: { intraOpNumThreads: 1 } };

function softmaxRow(logits: ArrayLike<number>, offset: number, classes: number): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[offset + c]!);
  const out = new Float64Array(classes);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += out[c] = Math.exp(logits[offset + c]! - max);
  for (let c = 0; c < classes; c++) out[c]! /= sum;
  return out;
}

/**
 * Runs the first `n` windows of `inputs` (`N * frames * dim` floats, window-major) through the tfjs
 * model and through onnxruntime on the exported `bytes`, and compares logits and softmax
 * probabilities.
 */
export async function paritySamples(
  model: tf.LayersModel,
  bytes: Uint8Array,
  inputs: Float32Array,
  n: number,
  opts: Partial<ParityOptions> = {},
): Promise<ParityResult> {
  const o = { ...defaultParityOptions, ...opts };
  const itemShape = model.inputs[0]!.shape.slice(1);
  if (!itemShape.every((d) => typeof d === 'number'))
    throw new Error('paritySamples: the model input must have a fixed shape besides the batch');
  const shape = itemShape as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(n) || n < 1 || inputs.length < n * size) {
    throw new RangeError(
      `paritySamples: need ${n} inputs of ${shape.join('x')}, got ${inputs.length / size}`,
    );
  }
  const session = await ort.InferenceSession.create(bytes, o.session);
  let maxAbsLogitDiff = 0;
  let maxAbsProbDiff = 0;
  try {
    for (let start = 0; start < n; start += o.batchSize) {
      const b = Math.min(o.batchSize, n - start);
      const batch = inputs.subarray(start * size, (start + b) * size);
      const expected = tf.tidy(() =>
        (model.predict(tf.tensor(batch, [b, ...shape])) as tf.Tensor).dataSync(),
      );
      const feeds = { [ONNX_INPUT_NAME]: new ort.Tensor('float32', batch, [b, ...shape]) };
      const actual = (await session.run(feeds))[ONNX_OUTPUT_NAME]!.data as Float32Array;
      if (actual.length !== expected.length) {
        throw new Error(`paritySamples: ONNX returned ${actual.length} logits, tfjs ${expected.length}`);
      }
      const classes = expected.length / b;
      for (let i = 0; i < expected.length; i++)
        maxAbsLogitDiff = Math.max(maxAbsLogitDiff, Math.abs(expected[i]! - actual[i]!));
      for (let w = 0; w < b; w++) {
        const p = softmaxRow(expected, w * classes, classes);
        const q = softmaxRow(actual, w * classes, classes);
        for (let c = 0; c < classes; c++) maxAbsProbDiff = Math.max(maxAbsProbDiff, Math.abs(p[c]! - q[c]!));
      }
    }
  } finally {
    await session.release();
  }
  // Math.max propagates NaN, so a NaN output fails any `<=` bound on these.
  return { maxAbsLogitDiff, maxAbsProbDiff };
}
