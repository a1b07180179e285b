/**
 * The same inference interface on TensorFlow.js (wasm backend), reading the package's
 * `tfjs-model.json` + `tfjs-weights.bin`, or for an ensemble package each `members/<i>/` pair,
 * averaging the members' logits as the exported ONNX ensemble does. ONNX Runtime is the default engine (several times faster
 * per window); this one exists to cross-check exports and for platforms without ONNX Runtime.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { InferenceEngine } from './onnx-engine.ts';

export class TfjsEngine implements InferenceEngine {
  readonly provider: string;
  readonly inputSize: number;
  private readonly shape: number[];
  private constructor(
    private readonly models: tf.LayersModel[],
    readonly frames: number,
    readonly dim: number,
    readonly classes: number,
  ) {
    this.provider = `tfjs-${tf.getBackend()}`;
    this.shape = (models[0]!.inputs[0]!.shape as Array<number | null>).slice(1) as number[];
    this.inputSize = this.shape.reduce((a, b) => a * b, 1);
  }

  /** Loads `dir/tfjs-model.json` and its weights (or every `dir/members/<i>/`); `backend` defaults to wasm. */
  static async load(dir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<TfjsEngine> {
    if (tf.getBackend() !== backend) {
      await tf.setBackend(backend);
      await tf.ready();
    }
    let dirs = [dir];
    if (!existsSync(join(dir, 'tfjs-model.json')) && existsSync(join(dir, 'members'))) {
      const names = (await readdir(join(dir, 'members'))).sort((a, b) => Number(a) - Number(b));
      dirs = names.map((n) => join(dir, 'members', n));
    }
    const models = await Promise.all(dirs.map((d) => loadLayers(d)));
    const model = models[0]!;
    const inShape = model.inputs[0]!.shape as Array<number | null>;
    const frames = inShape.length === 3 ? (inShape[1] as number) : 1;
    const dim = inShape.at(-1) as number;
    const classes = (model.outputs[0]!.shape as [null, number])[1];
    return new TfjsEngine(models, frames, dim, classes);
  }

  async infer(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.inputSize;
    const out = tf.tidy(() => {
      const x = tf.tensor(input.subarray(0, n * size), [n, ...this.shape]);
      const outs = this.models.map((m) => m.predict(x) as tf.Tensor);
      return outs.length === 1 ? outs[0]! : tf.div(tf.addN(outs), outs.length);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  async release(): Promise<void> {
    for (const m of this.models) m.dispose();
  }
}

async function loadLayers(dir: string): Promise<tf.LayersModel> {
  let json: tf.io.ModelArtifacts;
  let weights: Buffer;
  try {
    json = JSON.parse(await readFile(join(dir, 'tfjs-model.json'), 'utf8')) as tf.io.ModelArtifacts;
    weights = await readFile(join(dir, 'tfjs-weights.bin'));
  } catch (e) {
    throw new Error(`cannot read the tfjs model in ${dir}: ${(e as Error).message}`);
  }
  return tf.loadLayersModel(tf.io.fromMemory({ ...json, weightData: new Uint8Array(weights).buffer }));
}
