/**
 * Export parity on real speech: 100+ real 3-second windows, cut by the server's analysis core from
 * RAVDESS and EmoDB clips, through a small vgg2d in tfjs and its ONNX export in ONNX Runtime.
 */
import { join } from 'node:path';
import { StreamAnalyzer } from '@emostream/server/core/stream-analyzer';
import { SileroVad } from '@emostream/server/vad/silero';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { DATA_DIR, hasData } from '@emostream/shared/testing/corpus';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { listAudioFiles } from '../corpora/scan.ts';
import { buildModel } from '../train/architectures.ts';
import { exportOnnx } from './onnx.ts';
import { paritySamples } from './parity.ts';

describe.runIf(hasData)('ONNX export parity on real speech windows', () => {
  it('matches tfjs to 1e-4 in probability on at least 100 real windows', async () => {
    await tf.setBackend('cpu');
    const vad = await SileroVad.load();
    const files = [
      ...(await listAudioFiles(join(DATA_DIR, 'ravdess', 'Actor_19'))).slice(0, 40),
      ...(await listAudioFiles(join(DATA_DIR, 'ravdess', 'Actor_24'))).slice(0, 40),
      ...(await listAudioFiles(join(DATA_DIR, 'emodb'))).slice(0, 40),
    ];
    const windows: Float32Array[] = [];
    const prior = { priorMean: new Array(64).fill(-45), priorStd: new Array(64).fill(15), priorFrames: 300 };
    for (const f of files) {
      const state = vad.newState();
      const a = new StreamAnalyzer(
        {
          features: { features: ['logmel'] },
          vad: {},
          window: { windowFrames: 300, hopFrames: 100 },
          normalizer: prior,
        },
        async (x) => (await vad.run([x], [state]))[0]!,
      );
      const { samples } = await decodeAudioFile(f);
      const r1 = await a.push(samples);
      const r2 = await a.end();
      for (const w of [...r1.windows, ...r2.windows]) windows.push(w.data);
    }
    expect(windows.length).toBeGreaterThanOrEqual(100);
    const model = buildModel('vgg2d', {
      frames: 300,
      dim: 64,
      classes: 7,
      width: 0.25,
      dropout: 0.3,
      l2: 0,
      seed: 3,
    });
    // Non-trivial batch-norm statistics, so that folding them into the convolutions is exercised.
    for (const layer of model.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      layer.setWeights(
        layer
          .getWeights()
          .map((w, i) => tf.add(w, tf.randomUniform(w.shape, 0.1, 0.5, 'float32', 7 + i)).abs()),
      );
    }
    const input = new Float32Array(windows.length * 300 * 64);
    windows.forEach((w, i) => {
      input.set(w, i * 300 * 64);
    });
    const { maxAbsProbDiff, maxAbsLogitDiff } = await paritySamples(
      model,
      exportOnnx(model),
      input,
      windows.length,
    );
    expect(maxAbsProbDiff).toBeLessThanOrEqual(1e-4);
    expect(maxAbsLogitDiff).toBeLessThanOrEqual(1e-3);
    await vad.release();
  }, 120_000);
});
