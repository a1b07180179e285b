import { mulberry32 as rng } from '@emostream/shared/testing/random';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchitectureOptions, buildModel } from '../train/architectures.ts';
import { exportOnnx } from './onnx.ts';
import { paritySamples } from './parity.ts';
import { decodeModel } from './proto.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `n` windows of standard-normal features, like session-normalised log-mels. */
function randomWindows(n: number, frames: number, dim: number, seed: number): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n * frames * dim);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/**
 * Gives every BatchNormalization non-trivial statistics and affine parameters and every bias random
 * values, so folding, gate reordering and bias handling are all exercised (fresh layers have zeros
 * and ones there, which hide mistakes).
 */
function perturb(model: tf.LayersModel, seed: number): void {
  const u = rng(seed);
  const ranges: Record<string, [number, number]> = {
    gamma: [0.5, 1.5],
    beta: [-0.5, 0.5],
    moving_mean: [-0.5, 0.5],
    moving_variance: [0.3, 2],
    bias: [-0.3, 0.3],
  };
  for (const layer of model.layers) {
    const values = layer.getWeights();
    let changed = false;
    const next = layer.weights.map((w, i) => {
      const range = ranges[w.originalName.split('/').pop() ?? ''];
      const v = values[i]!;
      if (!range) return v;
      changed = true;
      const data = Float32Array.from({ length: v.size }, () => range[0] + (range[1] - range[0]) * u());
      return tf.tensor(data, v.shape);
    });
    if (changed) layer.setWeights(next);
  }
}

function opTypes(bytes: Uint8Array): string[] {
  const graph = decodeModel(bytes).graph as { node: { op_type: string }[] };
  return graph.node.map((n) => n.op_type);
}

const base = { classes: 7, width: 0.25, dropout: 0.3, l2: 1e-4, seed: 3 };

/**
 * crnn-attn with the attention Reshape target written out (`[1, frames / 4]` instead of `[1, -1]`).
 * tfjs 4.22's Reshape reports a `-1` dimension as unknown, so Dot.build throws "Dimension
 * incompatibility: null !== T" and architectures.ts' crnn-attn cannot be built at all; the graph
 * is otherwise the same layer for layer.
 */
function crnnAttnStatic(o: ArchitectureOptions): tf.LayersModel {
  const w = (n: number) => Math.max(4, Math.round(n * o.width));
  const input = tf.input({ shape: [o.frames, o.dim], name: 'features' });
  let x: tf.SymbolicTensor = input;
  for (const filters of [w(64), w(128)]) {
    x = tf.layers
      .conv1d({ filters, kernelSize: 5, padding: 'same', useBias: false })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: o.dropout / 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers
    .bidirectional({
      layer: tf.layers.lstm({ units: w(64), returnSequences: true }) as tf.RNN,
      mergeMode: 'concat',
    })
    .apply(x) as tf.SymbolicTensor;
  const score = tf.layers.dense({ units: 1, activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(score) as tf.SymbolicTensor;
  const weights = tf.layers.softmax().apply(flat) as tf.SymbolicTensor;
  const steps = x.shape[1] as number;
  const expanded = tf.layers.reshape({ targetShape: [1, steps] }).apply(weights) as tf.SymbolicTensor;
  let ctx = tf.layers.dot({ axes: [2, 1] }).apply([expanded, x]) as tf.SymbolicTensor;
  ctx = tf.layers.flatten().apply(ctx) as tf.SymbolicTensor;
  ctx = tf.layers.dropout({ rate: o.dropout }).apply(ctx) as tf.SymbolicTensor;
  ctx = tf.layers.dense({ units: 64, activation: 'relu' }).apply(ctx) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: o.classes, name: 'logits' }).apply(ctx) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'crnn-attn' });
}

function crnnAttnBuilds(): boolean {
  try {
    buildModel('crnn-attn', { ...base, frames: 100, dim: 64 }).dispose();
    return true;
  } catch {
    return false;
  }
}

const WINDOWS = 128;

async function expectParity(model: tf.LayersModel, bytes: Uint8Array, seed: number, n = WINDOWS) {
  const [, frames, dim] = model.inputs[0]!.shape as number[];
  const result = await paritySamples(model, bytes, randomWindows(n, frames!, dim!, seed), n);
  expect(result.maxAbsLogitDiff).toBeLessThanOrEqual(1e-3);
  expect(result.maxAbsProbDiff).toBeLessThanOrEqual(1e-4);
  return result;
}

describe('exportOnnx parity with tfjs on random windows', () => {
  it('vgg2d (300 x 64, width 0.25): BatchNorm folded, no Transpose', async () => {
    const model = buildModel('vgg2d', { ...base, frames: 300, dim: 64 });
    perturb(model, 1);
    const bytes = exportOnnx(model);
    const ops = opTypes(bytes);
    expect(ops).not.toContain('Transpose');
    expect(ops).not.toContain('Mul');
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(4);
    await expectParity(model, bytes, 11);
  });

  it('cnn-lstm (100 x 64, width 0.25): stacked LSTMs stay sequence-first', async () => {
    const model = buildModel('cnn-lstm', { ...base, frames: 100, dim: 64 });
    perturb(model, 2);
    const bytes = exportOnnx(model);
    expect(opTypes(bytes).filter((op) => op === 'Transpose')).toHaveLength(2);
    await expectParity(model, bytes, 12);
  });

  it('crnn-attn graph (100 x 64, width 0.25): Bidirectional LSTM, attention softmax and Dot', async () => {
    const model = crnnAttnStatic({ ...base, frames: 100, dim: 64 });
    perturb(model, 3);
    const bytes = exportOnnx(model);
    expect(opTypes(bytes)).toContain('LSTM');
    await expectParity(model, bytes, 13);
  });

  it.skipIf(!crnnAttnBuilds())('crnn-attn from architectures.ts', async () => {
    const model = buildModel('crnn-attn', { ...base, frames: 100, dim: 64 });
    perturb(model, 3);
    await expectParity(model, exportOnnx(model), 13);
  });

  it('tdnn (300 x 107, width 0.25): Conv1D stack, mean and max pooling over time', async () => {
    const model = buildModel('tdnn', { ...base, frames: 300, dim: 107 });
    perturb(model, 5);
    const bytes = exportOnnx(model);
    const ops = opTypes(bytes);
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(3);
    expect(ops).toContain('ReduceMean');
    expect(ops).toContain('ReduceMax');
    await expectParity(model, bytes, 15);
  });

  it('keeps BatchNormalization as Mul + Add when folding is off', async () => {
    const model = buildModel('cnn-lstm', { ...base, frames: 100, dim: 64 });
    perturb(model, 4);
    const bytes = exportOnnx(model, { foldBatchNorm: false });
    expect(opTypes(bytes).filter((op) => op === 'Mul')).toHaveLength(3);
    await expectParity(model, bytes, 14, 16);
  });

  it('handles strides, dilation, same/valid padding, pooling variants and activations', async () => {
    const input = tf.input({ shape: [24, 16], name: 'features' });
    let x = tf.layers.reshape({ targetShape: [24, 16, 1] }).apply(input) as tf.SymbolicTensor;
    x = tf.layers
      .conv2d({ filters: 5, kernelSize: [3, 5], strides: [2, 1], padding: 'same' })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 1.5 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .maxPooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same' })
      .apply(x) as tf.SymbolicTensor;
    const d = tf.layers
      .conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, activation: 'elu' })
      .apply(x) as tf.SymbolicTensor;
    const sm = tf.layers.activation({ activation: 'softmax' }).apply(d) as tf.SymbolicTensor;
    const avg = tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(sm) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(avg) as tf.SymbolicTensor;
    const gmp = tf.layers.globalMaxPooling2d({}).apply(d) as tf.SymbolicTensor;
    const seq = tf.layers
      .conv1d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu' })
      .apply(input) as tf.SymbolicTensor;
    const seqBn = tf.layers.batchNormalization().apply(seq) as tf.SymbolicTensor;
    const pooled = tf.layers
      .averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' })
      .apply(seqBn) as tf.SymbolicTensor;
    const lstm = tf.layers
      .lstm({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' })
      .apply(pooled) as tf.SymbolicTensor;
    const soft = tf.layers.activation({ activation: 'softsign' }).apply(lstm) as tf.SymbolicTensor;
    const perStep = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(soft) as tf.SymbolicTensor;
    const last = tf.layers
      .bidirectional({ layer: tf.layers.lstm({ units: 3 }) as tf.RNN })
      .apply(lstm) as tf.SymbolicTensor;
    const gap1 = tf.layers.globalAveragePooling1d({}).apply(pooled) as tf.SymbolicTensor;
    const gmp1 = tf.layers.globalMaxPooling1d({}).apply(perStep) as tf.SymbolicTensor;
    const all = tf.layers.concatenate().apply([flat, gmp, last, gap1, gmp1]) as tf.SymbolicTensor;
    let y = tf.layers.dense({ units: 8, activation: 'selu' }).apply(all) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units: 8, activation: 'relu6' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units: 4, activation: 'softplus' }).apply(y) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: y });
    perturb(model, 5);
    await expectParity(model, exportOnnx(model), 15, 32);
    await expectParity(model, exportOnnx(model, { opset: 18, foldBatchNorm: false }), 16, 32);
  });
});

describe('exportOnnx graph interface', () => {
  it('declares features [N, frames, dim] -> logits [N, classes] and runs batch 1 and 17 in one session', async () => {
    const model = buildModel('vgg2d', { ...base, frames: 300, dim: 64 });
    perturb(model, 6);
    const bytes = exportOnnx(model, { producer: 'test' });
    const decoded = decodeModel(bytes) as {
      producer_name: string;
      opset_import: { version: number }[];
      graph: { input: { name: string; type: unknown }[]; output: { name: string; type: unknown }[] };
    };
    expect(decoded.producer_name).toBe('test');
    expect(decoded.opset_import).toEqual([{ domain: '', version: 17 }]);
    const dims = (v: { type: unknown }) =>
      (v.type as { tensor_type: { shape: { dim: object[] } } }).tensor_type.shape.dim;
    expect(decoded.graph.input.map((v) => v.name)).toEqual(['features']);
    expect(dims(decoded.graph.input[0]!)).toEqual([
      { dim_param: 'N' },
      { dim_value: 300 },
      { dim_value: 64 },
    ]);
    expect(decoded.graph.output.map((v) => v.name)).toEqual(['logits']);
    expect(dims(decoded.graph.output[0]!)).toEqual([{ dim_param: 'N' }, { dim_value: 7 }]);

    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    try {
      const x = randomWindows(17, 300, 64, 21);
      const expected = tf.tidy(() => (model.predict(tf.tensor3d(x, [17, 300, 64])) as tf.Tensor).dataSync());
      for (const batch of [1, 17]) {
        const feeds = {
          features: new ort.Tensor('float32', x.subarray(0, batch * 300 * 64), [batch, 300, 64]),
        };
        const out = (await session.run(feeds)).logits!;
        expect(out.dims).toEqual([batch, 7]);
        const got = out.data as Float32Array;
        for (let i = 0; i < got.length; i++)
          expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-3);
      }
    } finally {
      await session.release();
    }
  });

  it('names the layer and its class when a layer has no converter', () => {
    const input = tf.input({ shape: [10, 4], name: 'features' });
    const gru = tf.layers.gru({ units: 3, name: 'my_gru' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 2 }).apply(gru) as tf.SymbolicTensor,
    });
    expect(() => exportOnnx(model)).toThrow(/layer 'my_gru' of class GRU is not supported/);

    const wrapped = tf.layers
      .bidirectional({ layer: tf.layers.gru({ units: 3 }) as tf.RNN })
      .apply(input) as tf.SymbolicTensor;
    expect(() => exportOnnx(tf.model({ inputs: input, outputs: wrapped }))).toThrow(/Bidirectional\(GRU\)/);
  });

  it('rejects invalid options with a TypeError', () => {
    const input = tf.input({ shape: [4, 4], name: 'features' });
    const model = tf.model({ inputs: input, outputs: tf.layers.flatten().apply(input) as tf.SymbolicTensor });
    expect(() => exportOnnx(model, { opset: 9 })).toThrow(TypeError);
    expect(() => exportOnnx(model, { producer: '' })).toThrow(TypeError);
  });
});
