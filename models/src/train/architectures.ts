/**
 * The seed documents' architectures, selectable by name. All take a normalised feature window
 * `[batch, frames, dim]` and output class logits (softmax and temperature are applied outside, so
 * calibration can change without retraining).
 *
 * - `vgg2d` (seed 003): a VGG-style 2D CNN over time x mel, four conv blocks with batch norm and max
 *   pooling, then global average and max pooling over time and frequency. Narrower than the seed's
 *   (16-32-64-128 filters, ~100k parameters instead of 4.8M) because the corpora are small and the
 *   service must run a window in well under a millisecond per core.
 * - `crnn-attn` (seed 000): Conv1D blocks over time, a bidirectional LSTM and temporal attention.
 * - `cnn-lstm` (seed 001): three Conv1D blocks (64-128-256) and two stacked LSTMs (128, 64).
 * Dropout layers take no seed on purpose: tfjs draws a seeded layer's mask from the same seed at
 * every call, i.e. it would drop the same units at every step. Masks come from tfjs's global
 * randomness instead, which the trainer makes reproducible (see `seededRandom` in trainer.ts).
 * - `tdnn`: a time-delay network (Conv1D over frames, as in x-vector emotion models) whose learnt frame
 *   features are pooled over the window (mean and max), then an MLP: `stats-mlp` with the
 *   statistics learnt rather than fixed.
 * - `stats-mlp`: an MLP over the window's per-dimension statistics (`analysis/window-stats.ts`,
 *   computed by the pipeline, input `[batch, 6 * dim]`); the seeds' utterance-level feature
 *   approach, and on this data the strongest of the four for the training time we have.
 */
import { WINDOW_STATS } from '@emostream/shared/analysis/window-stats';
import * as tf from '@tensorflow/tfjs';

export const ARCHITECTURES = ['vgg2d', 'crnn-attn', 'cnn-lstm', 'tdnn', 'stats-mlp'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

export interface ArchitectureOptions {
  frames: number;
  dim: number;
  classes: number;
  /** Width multiplier of every conv/recurrent layer. */
  width: number;
  dropout: number;
  /** L2 weight decay on kernels. */
  l2: number;
  seed: number;
  /** `stats-mlp`: length of the statistics vector (default: the plain functionals of `dim`). */
  statsSize?: number;
}

function reg(o: ArchitectureOptions) {
  return o.l2 > 0 ? tf.regularizers.l2({ l2: o.l2 }) : undefined;
}

function vgg2d(o: ArchitectureOptions): tf.LayersModel {
  const input = tf.input({ shape: [o.frames, o.dim], name: 'features' });
  let x: tf.SymbolicTensor = tf.layers
    .reshape({ targetShape: [o.frames, o.dim, 1] })
    .apply(input) as tf.SymbolicTensor;
  const widths = [16, 32, 64, 128].map((w) => Math.max(4, Math.round(w * o.width)));
  widths.forEach((filters, i) => {
    x = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed + i }),
        kernelRegularizer: reg(o),
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    if (i >= 1) x = tf.layers.dropout({ rate: o.dropout / 2 }).apply(x) as tf.SymbolicTensor;
  });
  const avg = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const max = tf.layers.globalMaxPooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.concatenate().apply([avg, max]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pooledHead(x, 64, o, 10), name: 'vgg2d' });
}

/**
 * The classifier on pooled features: dropout, a ReLU layer of `units` (initialiser seed
 * `o.seed + seed`), half the dropout, then the logits (seed `o.seed + seed + 1`).
 */
function pooledHead(
  pooled: tf.SymbolicTensor,
  units: number,
  o: ArchitectureOptions,
  seed: number,
): tf.SymbolicTensor {
  let x = tf.layers.dropout({ rate: o.dropout }).apply(pooled) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      units,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: o.seed + seed }),
      kernelRegularizer: reg(o),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: o.dropout / 2 }).apply(x) as tf.SymbolicTensor;
  return tf.layers
    .dense({
      units: o.classes,
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + seed + 1 }),
      name: 'logits',
    })
    .apply(x) as tf.SymbolicTensor;
}

/** Conv1D ('same', no bias, initialiser seed `o.seed + i`), batch norm, ReLU. */
function convBnRelu1d(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  o: ArchitectureOptions,
  i: number,
): tf.SymbolicTensor {
  x = tf.layers
    .conv1d({
      filters,
      kernelSize,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: o.seed + i }),
      kernelRegularizer: reg(o),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(x) as tf.SymbolicTensor;
}

function convBlock1d(
  x: tf.SymbolicTensor,
  filters: number,
  o: ArchitectureOptions,
  i: number,
): tf.SymbolicTensor {
  x = convBnRelu1d(x, filters, 5, o, i);
  x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  return tf.layers.dropout({ rate: o.dropout / 2 }).apply(x) as tf.SymbolicTensor;
}

function crnnAttn(o: ArchitectureOptions): tf.LayersModel {
  const input = tf.input({ shape: [o.frames, o.dim], name: 'features' });
  const w = (n: number) => Math.max(4, Math.round(n * o.width));
  let x = convBlock1d(input, w(64), o, 0);
  x = convBlock1d(x, w(128), o, 1);
  x = tf.layers
    .bidirectional({
      layer: tf.layers.lstm({ units: w(64), returnSequences: true }) as tf.RNN,
      mergeMode: 'concat',
    })
    .apply(x) as tf.SymbolicTensor;
  // Temporal attention: a score per step, softmax over time, weighted sum of the steps.
  const score = tf.layers.dense({ units: 1, activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(score) as tf.SymbolicTensor;
  const weights = tf.layers.softmax().apply(flat) as tf.SymbolicTensor;
  const expanded = tf.layers
    .reshape({ targetShape: [1, x.shape[1] as number] })
    .apply(weights) as tf.SymbolicTensor;
  let ctx = tf.layers.dot({ axes: [2, 1] }).apply([expanded, x]) as tf.SymbolicTensor;
  ctx = tf.layers.flatten().apply(ctx) as tf.SymbolicTensor;
  ctx = tf.layers.dropout({ rate: o.dropout }).apply(ctx) as tf.SymbolicTensor;
  ctx = tf.layers
    .dense({ units: 64, activation: 'relu', kernelRegularizer: reg(o) })
    .apply(ctx) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: o.classes, name: 'logits' }).apply(ctx) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'crnn-attn' });
}

function cnnLstm(o: ArchitectureOptions): tf.LayersModel {
  const input = tf.input({ shape: [o.frames, o.dim], name: 'features' });
  const w = (n: number) => Math.max(4, Math.round(n * o.width));
  let x = convBlock1d(input, w(64), o, 0);
  x = convBlock1d(x, w(128), o, 1);
  x = convBlock1d(x, w(256), o, 2);
  x = tf.layers.lstm({ units: w(128), returnSequences: true }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.lstm({ units: w(64) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: o.dropout }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 64, activation: 'relu', kernelRegularizer: reg(o) })
    .apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: o.classes, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'cnn-lstm' });
}

function tdnn(o: ArchitectureOptions): tf.LayersModel {
  const input = tf.input({ shape: [o.frames, o.dim], name: 'features' });
  const w = (n: number) => Math.max(4, Math.round(n * o.width));
  // Frame context grows 5 -> 14 -> 32 frames (about 0.3 s at a 10 ms hop). Pooling, not dilation:
  // tfjs has no gradient for dilated convolutions.
  let x = convBnRelu1d(input, w(64), 5, o, 0);
  x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = convBnRelu1d(x, w(128), 3, o, 1);
  x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: o.dropout / 3 }).apply(x) as tf.SymbolicTensor;
  x = convBnRelu1d(x, w(128), 3, o, 2);
  const avg = tf.layers.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor;
  const max = tf.layers.globalMaxPooling1d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.concatenate().apply([avg, max]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pooledHead(x, w(128), o, 5), name: 'tdnn' });
}

function statsMlp(o: ArchitectureOptions): tf.LayersModel {
  const input = tf.input({ shape: [o.statsSize ?? WINDOW_STATS.length * o.dim], name: 'features' });
  let x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: o.dropout / 3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      units: Math.max(16, Math.round(256 * o.width)),
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: o.seed }),
      kernelRegularizer: reg(o),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: o.dropout }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: o.classes,
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 3 }),
      name: 'logits',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'stats-mlp' });
}

/** Builds an architecture by name. */
export function buildModel(name: ArchitectureName, o: ArchitectureOptions): tf.LayersModel {
  switch (name) {
    case 'vgg2d':
      return vgg2d(o);
    case 'crnn-attn':
      return crnnAttn(o);
    case 'cnn-lstm':
      return cnnLstm(o);
    case 'tdnn':
      return tdnn(o);
    case 'stats-mlp':
      return statsMlp(o);
  }
}
