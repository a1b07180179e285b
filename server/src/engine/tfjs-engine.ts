/**
 * The same inference interface on TensorFlow.js (wasm backend), reading the package's
 * `tfjs-model.json` + `tfjs-weights.bin`. ONNX Runtime is the default engine (several times faster
 * per window); this one exists to cross-check exports and for platforms without ONNX Runtime.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { InferenceEngine } from './onnx-engine.ts';

export class TfjsEngine implements InferenceEngine {
  readonly provider: string;
  readonly inputSize: number;
  private readonly shape: number[];
  private constructor(
    private readonly model: tf.LayersModel,
    readonly frames: number,
    readonly dim: number,
    readonly classes: number,
  ) {
    this.provider = `tfjs-${tf.getBackend()}`;
    this.shape = (model.inputs[0]!.shape as Array<number | null>).slice(1) as number[];
    this.inputSize = this.shape.reduce((a, b) => a * b, 1);
  }

  /** Loads `dir/tfjs-model.json` and its weights; `backend` defaults to wasm. */
  static async load(dir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<TfjsEngine> {
    if (tf.getBackend() !== backend) {
      await tf.setBackend(backend);
      await tf.ready();
    }
    let json: tf.io.ModelArtifacts;
    let weights: Buffer;
    try {
      json = JSON.parse(await readFile(join(dir, 'tfjs-model.json'), 'utf8')) as tf.io.ModelArtifacts;
      weights = await readFile(join(dir, 'tfjs-weights.bin'));
    } catch (e) {
      throw new Error(`cannot read the tfjs model in ${dir}: ${(e as Error).message}`);
    }
    const artifacts: tf.io.ModelArtifacts = {
      ...json,
      weightData: new Uint8Array(weights).buffer,
    };
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const inShape = model.inputs[0]!.shape as Array<number | null>;
    const frames = inShape.length === 3 ? (inShape[1] as number) : 1;
    const dim = inShape.at(-1) as number;
    const classes = (model.outputs[0]!.shape as [null, number])[1];
    return new TfjsEngine(model, frames, dim, classes);
  }

  async infer(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.inputSize;
    const out = tf.tidy(() => {
      const x = tf.tensor(input.subarray(0, n * size), [n, ...this.shape]);
      return this.model.predict(x) as tf.Tensor;
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  async release(): Promise<void> {
    this.model.dispose();
  }
}
