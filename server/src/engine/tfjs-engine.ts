/**
 * The same inference interface on TensorFlow.js (wasm backend), reading the package's
 * `tfjs-model.json` + `tfjs-weights.bin`, or for an ensemble package each `members/<i>/` pair,
 * combined as the exported ONNX ensemble combines them (`ensembleCombine`: the mean of their logits,
 * or the log of the mean of their probabilities). In a `frames+stats` package each member reads its
 * own part of the window's input, as the ONNX graph slices it: frame members the frames, statistics
 * members the statistics after them. ONNX Runtime is the default engine (several times faster per
 * window); this one exists to cross-check exports and for platforms without ONNX Runtime.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EnsembleCombine, parseModelConfig } from '@emostream/shared/model/config';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { InferenceEngine } from './onnx-engine.ts';

/** One member: its network, the part `[start, start + size)` of an input item it reads, and its shape. */
interface Member {
  model: tf.LayersModel;
  start: number;
  size: number;
  shape: number[];
}

export class TfjsEngine implements InferenceEngine {
  readonly provider: string;
  private constructor(
    private readonly members: Member[],
    private readonly combine: EnsembleCombine,
    readonly inputSize: number,
    readonly frames: number,
    readonly dim: number,
    readonly classes: number,
  ) {
    this.provider = `tfjs-${tf.getBackend()}`;
  }

  /**
   * Loads `dir/tfjs-model.json` and its weights (or every `dir/members/<i>/`), laid out and combined
   * as `dir/config.json` says when there is one; `backend` defaults to wasm.
   */
  static async load(dir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<TfjsEngine> {
    if (tf.getBackend() !== backend) {
      await tf.setBackend(backend);
      await tf.ready();
    }
    const configPath = join(dir, 'config.json');
    const config = existsSync(configPath)
      ? parseModelConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath)
      : undefined;
    let dirs = [dir];
    if (!existsSync(join(dir, 'tfjs-model.json')) && existsSync(join(dir, 'members'))) {
      const names = (await readdir(join(dir, 'members'))).sort((a, b) => Number(a) - Number(b));
      dirs = names.map((n) => join(dir, 'members', n));
    }
    const models = await Promise.all(dirs.map((d) => loadLayers(d)));
    const shapeOf = (m: tf.LayersModel) => (m.inputs[0]!.shape as Array<number | null>).slice(1) as number[];
    const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const shapes = models.map(shapeOf);
    let inputSize = sizeOf(shapes[0]!);
    let starts = shapes.map(() => 0);
    if (config?.inputTransform === 'frames+stats') {
      // Frame members (rank 2 or more per item) read the frames; statistics members (rank 1) what follows.
      const framesSize = config.window.windowFrames * config.normalizer.priorMean.length;
      const stats = shapes.find((s) => s.length === 1);
      const frames = shapes.find((s) => s.length >= 2);
      if (!stats || !frames || sizeOf(frames) !== framesSize)
        throw new Error(
          `${dir}: a frames+stats package needs frame members reading ${framesSize} values and statistics members; its members read ${shapes.map((s) => `[${s}]`).join(', ')}`,
        );
      inputSize = framesSize + sizeOf(stats);
      starts = shapes.map((s) => (s.length === 1 ? framesSize : 0));
    }
    for (const [i, s] of shapes.entries()) {
      if (starts[i]! + sizeOf(s) > inputSize)
        throw new Error(`${dir}: member ${i} reads [${s}], beyond the package's ${inputSize} input values`);
    }
    const members = models.map((model, i) => ({
      model,
      start: starts[i]!,
      size: sizeOf(shapes[i]!),
      shape: shapes[i]!,
    }));
    const first = shapes.find((s) => s.length >= 2);
    const frames = config?.window.windowFrames ?? first?.[0] ?? 1;
    const dim = config?.normalizer.priorMean.length ?? shapes[0]!.at(-1)!;
    const classes = (models[0]!.outputs[0]!.shape as [null, number])[1];
    return new TfjsEngine(members, config?.ensembleCombine ?? 'mean-logit', inputSize, frames, dim, classes);
  }

  async infer(input: Float32Array, n: number): Promise<Float32Array> {
    const size = this.inputSize;
    const out = tf.tidy(() => {
      const all = tf.tensor2d(input.subarray(0, n * size), [n, size]);
      const outs = this.members.map((m) => {
        const part = m.start === 0 && m.size === size ? all : all.slice([0, m.start], [n, m.size]);
        return m.model.predict(part.reshape([n, ...m.shape])) as tf.Tensor;
      });
      if (outs.length === 1) return outs[0]!;
      if (this.combine === 'mean-logit') return tf.div(tf.addN(outs), outs.length);
      // As the ONNX tail: log of the mean probability, floored so that it stays finite.
      return tf.log(tf.maximum(tf.div(tf.addN(outs.map((o) => tf.softmax(o))), outs.length), 1e-30));
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  async release(): Promise<void> {
    for (const m of this.members) m.model.dispose();
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
