import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initTrainingBackend } from './backend.ts';
import {
  buildCnnLstm,
  buildConvBiLstmAttention,
  buildVggCnn,
  customTrainStep,
  syntheticBatch,
} from './training-fixtures.ts';

const NUM_CLASSES = 3;

interface Arch {
  name: string;
  build: (dropout: number) => tf.LayersModel;
  /** Batch shape and the axis the synthetic task encodes the class in. */
  shape: number[];
  featureAxis: number;
}

const ARCHS: Arch[] = [
  {
    name: 'VGG-style 2D CNN',
    build: (dropout) =>
      buildVggCnn({
        numClasses: NUM_CLASSES,
        inputShape: [12, 10, 1],
        filters: [4, 8],
        dropout,
        l2: 1e-3,
        seed: 1,
        globalPool: 'max',
      }),
    shape: [6, 12, 10, 1],
    featureAxis: 1,
  },
  {
    name: 'VGG-style 2D CNN, global average pooling',
    build: (dropout) =>
      buildVggCnn({
        numClasses: NUM_CLASSES,
        inputShape: [9, 11, 1],
        filters: [4, 6],
        dropout,
        l2: 1e-3,
        seed: 2,
      }),
    shape: [5, 9, 11, 1],
    featureAxis: 1,
  },
  {
    name: 'Conv1D + BiLSTM + temporal attention',
    build: (dropout) =>
      buildConvBiLstmAttention({
        numClasses: NUM_CLASSES,
        inputShape: [10, 6],
        convFilters: 8,
        lstmUnits: 5,
        attnUnits: 4,
        dropout,
        l2: 1e-3,
        seed: 3,
      }),
    shape: [6, 10, 6],
    featureAxis: 2,
  },
  {
    name: 'CNN-LSTM',
    build: (dropout) =>
      buildCnnLstm({
        numClasses: NUM_CLASSES,
        inputShape: [10, 6],
        convFilters: [8, 8, 8],
        lstmUnits: [8, 6],
        dropout,
        l2: 1e-3,
        seed: 4,
      }),
    shape: [6, 10, 6],
    featureAxis: 2,
  },
];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

afterEach(() => {
  tf.disposeVariables();
  vi.restoreAllMocks();
});

describe('initTrainingBackend', () => {
  // Must run first in this file (vitest gives each file its own process): it needs stock wasm.
  it('stock tfjs-backend-wasm cannot train a conv layer (the bug this module fixes)', async () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    await tf.setBackend('wasm');
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 2]) as tf.Tensor4D;
    expect(() => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w)).toThrow(
      /Conv2DBackpropFilter' not registered for backend 'wasm'/,
    );
    tf.dispose([x, w]);
  });

  it("'auto' falls back to wasm when tfjs-node is absent and registers the kernels once", async () => {
    const warn = vi.spyOn(console, 'warn');
    const first = await initTrainingBackend('auto');
    expect(first.backend).toBe('wasm');
    expect(first.kernelsRegistered).toContain('Conv2DBackpropFilter');
    const second = await initTrainingBackend();
    expect(second).toEqual(first);
    expect(new Set(second.kernelsRegistered).size).toBe(second.kernelsRegistered.length);
    // tfjs warns when a kernel name is registered twice; idempotence means it never does.
    expect(warn.mock.calls.flat().join('\n')).not.toMatch(/already registered/);
  });

  it("explicit 'node' / 'node-gpu' reject with a clear message when the package is missing", async () => {
    await expect(initTrainingBackend('node')).rejects.toThrow(/@tensorflow\/tfjs-node is not installed/);
    await expect(initTrainingBackend('node-gpu')).rejects.toThrow(/tfjs-node-gpu is not installed/);
  });

  it("'cpu' selects the reference backend", async () => {
    expect((await initTrainingBackend('cpu')).backend).toBe('cpu');
  });

  it('performance overrides can be switched off and on again', async () => {
    const stock = await initTrainingBackend('wasm', { wasmOverrides: false });
    expect(stock.kernelsRegistered).toEqual(['Conv2DBackpropFilter']);
    const fast = await initTrainingBackend('wasm');
    expect(fast.kernelsRegistered).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'Slice']),
    );
  });
});

describe.each(ARCHS)('$name on wasm', (arch) => {
  it('trains with model.fit: loss falls over 12 steps and no tensor leaks per step', async () => {
    await initTrainingBackend('wasm');
    const model = arch.build(0.1);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const { x, y } = syntheticBatch(arch.shape, NUM_CLASSES, arch.featureAxis, 7);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 12; step++) {
      const history = await model.fit(x, y, {
        batchSize: arch.shape[0],
        epochs: 1,
        verbose: 0,
        classWeight: { 0: 1, 1: 2, 2: 0.5 },
      });
      losses.push(history.history.loss![0] as number);
      counts.push(tf.memory().numTensors);
    }
    // The first step creates Adam's slot variables; every later step must leave the count unchanged.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('trains with focal loss, class weights, mixup and L2 under a custom Adam loop, without leaks', async () => {
    await initTrainingBackend('wasm');
    const model = arch.build(0.1);
    const optimizer = tf.train.adam(0.01);
    const { x, y } = syntheticBatch(arch.shape, NUM_CLASSES, arch.featureAxis, 8);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 12; step++) {
      losses.push(customTrainStep(model, optimizer, x, y, [1, 2, 0.5]));
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)));
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it('computes the same weight gradients as the cpu backend (<= 1e-4 of the gradient scale)', async () => {
    const gradients = async (backend: 'cpu' | 'wasm', weights?: Float32Array[]) => {
      await initTrainingBackend(backend);
      const model = arch.build(0);
      if (weights) model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
      const { x, y } = syntheticBatch(arch.shape, NUM_CLASSES, arch.featureAxis, 9);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor;
        const ce = tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(p, 1e-7, 1)));
        return model.calculateLosses().reduce((a: tf.Tensor, r) => tf.add(a, r), ce) as tf.Scalar;
      }, vars);
      const out = {
        loss: value.dataSync()[0]!,
        grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array),
        weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
      };
      tf.dispose([value, x, y, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const wasm = await gradients('wasm');
    const cpu = await gradients('cpu', wasm.weights);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    // Some true gradients are exactly 0 (a bias before BatchNorm, the attention score bias), so compare
    // against the model's overall gradient scale rather than per-tensor scale, which would be noise/noise.
    const scale = Math.max(...cpu.grads.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    cpu.grads.forEach((g, i) => {
      const w = wasm.grads[i]!;
      let diff = 0;
      for (let k = 0; k < g.length; k++) diff = Math.max(diff, Math.abs(g[k]! - w[k]!));
      expect(diff / scale).toBeLessThanOrEqual(1e-4);
    });
  });
});

describe('without the performance overrides', () => {
  it('the registered missing kernel alone is enough to train the conv architectures', async () => {
    await initTrainingBackend('wasm', { wasmOverrides: false });
    for (const arch of ARCHS) {
      const model = arch.build(0);
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const { x, y } = syntheticBatch(arch.shape, NUM_CLASSES, arch.featureAxis, 10);
      const loss = (await model.trainOnBatch(x, y)) as number;
      expect(Number.isFinite(loss)).toBe(true);
      tf.dispose([x, y]);
      model.dispose();
    }
    await initTrainingBackend('wasm');
  });
});
