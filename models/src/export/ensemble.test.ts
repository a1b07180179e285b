import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../train/architectures.ts';
import { ensembleCombineOf, ensembleOnnx } from './ensemble.ts';
import { exportOnnx } from './onnx.ts';

describe('ensembleOnnx', () => {
  it("outputs the mean of the members' logits for any batch size", async () => {
    await tf.setBackend('cpu');
    const a = buildModel('vgg2d', {
      frames: 50,
      dim: 16,
      classes: 5,
      width: 0.25,
      dropout: 0,
      l2: 0,
      seed: 1,
    });
    const b = buildModel('crnn-attn', {
      frames: 50,
      dim: 16,
      classes: 5,
      width: 0.25,
      dropout: 0,
      l2: 0,
      seed: 2,
    });
    const bytes = ensembleOnnx([exportOnnx(a), exportOnnx(b)]);
    const session = await ort.InferenceSession.create(bytes);
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 50, 16], 0, 1, 'float32', 5);
      const expected = tf.div(tf.add(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor), 2).dataSync();
      const out = await session.run({
        features: new ort.Tensor('float32', x.dataSync() as Float32Array, [n, 50, 16]),
      });
      const got = out.logits!.data as Float32Array;
      expect(got.length).toBe(n * 5);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 4);
    }
    await session.release();
  });

  it("with mean-prob outputs the log of the mean of the members' probabilities", async () => {
    await tf.setBackend('cpu');
    const base = { frames: 50, dim: 16, classes: 5, width: 0.25, dropout: 0, l2: 0 };
    // crnn-attn has a Softmax of its own (attention), beside the ones the combination adds.
    const a = buildModel('vgg2d', { ...base, seed: 1 });
    const b = buildModel('crnn-attn', { ...base, seed: 2 });
    const c = buildModel('tdnn', { ...base, seed: 3 });
    const members = [exportOnnx(a), exportOnnx(b), exportOnnx(c)];
    const logitMean = ensembleOnnx(members);
    const probMean = ensembleOnnx(members, { combine: 'mean-prob' });
    expect(ensembleCombineOf(logitMean)).toBe('mean-logit');
    expect(ensembleCombineOf(probMean)).toBe('mean-prob');
    expect(ensembleCombineOf(members[0]!)).toBeUndefined();
    const n = 4;
    const x = tf.randomNormal([n, 50, 16], 0, 3, 'float32', 5);
    const own = [a, b, c].map((m) => m.predict(x) as tf.Tensor);
    const meanLogit = tf.div(tf.addN(own), 3).dataSync();
    const meanProb = tf.log(tf.div(tf.addN(own.map((t) => tf.softmax(t))), 3)).dataSync();
    const feed = { features: new ort.Tensor('float32', x.dataSync() as Float32Array, [n, 50, 16]) };
    const runOn = async (bytes: Uint8Array) => {
      const session = await ort.InferenceSession.create(bytes);
      const out = (await session.run(feed)).logits!.data as Float32Array;
      await session.release();
      return out;
    };
    for (const [bytes, expected] of [
      [probMean, meanProb],
      [logitMean, meanLogit],
    ] as const) {
      const got = await runOn(bytes);
      expect(got.length).toBe(n * 5);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 4);
    }
    // The softmax of a mean-prob output is the members' mean probability: rows sum to one.
    const got = await runOn(probMean);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let k = 0; k < 5; k++) sum += Math.exp(got[r * 5 + k]!);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('feeds a frame model and a statistics model their own slices of one flat input', async () => {
    await tf.setBackend('cpu');
    const base = { frames: 20, dim: 8, classes: 4, width: 0.25, dropout: 0, l2: 0 };
    const frames = buildModel('tdnn', { ...base, seed: 1 });
    const stats = buildModel('stats-mlp', { ...base, seed: 2, statsSize: 12 });
    for (const layer of stats.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      layer.setWeights(layer.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.2, 1, 'float32', i)));
    }
    const size = 20 * 8 + 12;
    const bytes = ensembleOnnx([exportOnnx(frames), exportOnnx(stats)], {
      slices: {
        size,
        members: [
          { start: 0, end: 160, shape: [20, 8] },
          { start: 160, end: size, shape: [12] },
        ],
      },
    });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['features']);
    for (const n of [1, 5]) {
      const x = tf.randomNormal([n, size], 0, 1, 'float32', 7);
      const [f, s] = tf.split(x, [160, 12], 1) as [tf.Tensor, tf.Tensor];
      const a = frames.predict(f.reshape([n, 20, 8])) as tf.Tensor;
      const expected = tf.div(tf.add(a, stats.predict(s) as tf.Tensor), 2).dataSync();
      const out = await session.run({
        features: new ort.Tensor('float32', x.dataSync() as Float32Array, [n, size]),
      });
      const got = out.logits!.data as Float32Array;
      expect(got.length).toBe(n * 4);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 4);
    }
    await session.release();
    expect(() =>
      ensembleOnnx([exportOnnx(frames), exportOnnx(stats)], {
        slices: { size, members: [{ start: 0, end: 160, shape: [20, 8] }] },
      }),
    ).toThrow(/2 models but 1 input slices/);
    expect(() =>
      ensembleOnnx([exportOnnx(frames), exportOnnx(stats)], {
        slices: {
          size,
          members: [
            { start: 0, end: 160, shape: [20, 8] },
            { start: 160, end: size, shape: [13] },
          ],
        },
      }),
    ).toThrow(/member 1 reads \[160, 172\) of 172 as \[13\]/);
  });

  it('needs two models with the shared input and output', () => {
    const a = buildModel('vgg2d', {
      frames: 50,
      dim: 16,
      classes: 5,
      width: 0.25,
      dropout: 0,
      l2: 0,
      seed: 1,
    });
    expect(() => ensembleOnnx([exportOnnx(a)])).toThrow(/two models/);
    expect(() => ensembleOnnx([exportOnnx(a), exportOnnx(a)], { output: 'nope' })).toThrow(
      /no output 'nope'/,
    );
  });
});

describe('stats-mlp export', () => {
  it('matches tfjs on statistics vectors, batch norm included', async () => {
    await tf.setBackend('cpu');
    const { paritySamples } = await import('./parity.ts');
    const m = buildModel('stats-mlp', {
      frames: 300,
      dim: 104,
      classes: 7,
      width: 1,
      dropout: 0.5,
      l2: 0,
      seed: 4,
    });
    for (const layer of m.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      layer.setWeights(
        layer.getWeights().map((w, i) => tf.add(w, tf.randomUniform(w.shape, 0.1, 0.5, 'float32', i)).abs()),
      );
    }
    const n = 100;
    const inputs = tf.randomNormal([n, 6 * 104], 0, 1, 'float32', 9).dataSync() as Float32Array;
    const r = await paritySamples(m, exportOnnx(m), inputs, n);
    expect(r.maxAbsProbDiff).toBeLessThanOrEqual(1e-4);
  });
});
