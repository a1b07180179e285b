import * as tf from '@tensorflow/tfjs';

/**
 * Small stand-ins for the architectures the project trains, used to prove that a backend can run a full
 * forward + backward pass through every layer type they contain (backend tests and the step benchmark).
 * Sizes are parameters so tests can stay tiny while the benchmark uses realistic shapes.
 */

/** Options shared by the fixture builders. */
export interface FixtureOptions {
  numClasses: number;
  /** Dropout rate; 0 makes the forward pass deterministic for cross-backend gradient comparisons. */
  dropout?: number;
  /** L2 factor for kernel regularisers; 0 disables them. */
  l2?: number;
  seed?: number;
}

function regulariser(l2: number | undefined): ReturnType<typeof tf.regularizers.l2> | undefined {
  return l2 ? tf.regularizers.l2({ l2 }) : undefined;
}

function init(seed: number | undefined, offset: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed === undefined ? undefined : seed + offset });
}

/**
 * (a) VGG-style 2-D CNN on [mel, frames, 1]: per block conv3x3 'same' + BN + ReLU + maxpool + dropout, then
 * global average or max pooling and a softmax head.
 */
export function buildVggCnn(
  opts: FixtureOptions & {
    inputShape: [number, number, number];
    filters: number[];
    globalPool?: 'avg' | 'max';
  },
): tf.LayersModel {
  const model = tf.sequential();
  opts.filters.forEach((filters, k) => {
    model.add(
      tf.layers.conv2d({
        ...(k === 0 ? { inputShape: opts.inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(opts.seed, k),
        kernelRegularizer: regulariser(opts.l2),
      }),
    );
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    if (opts.dropout) model.add(tf.layers.dropout({ rate: opts.dropout, seed: opts.seed }));
  });
  model.add(
    opts.globalPool === 'max' ? tf.layers.globalMaxPooling2d({}) : tf.layers.globalAveragePooling2d({}),
  );
  model.add(
    tf.layers.dense({
      units: opts.numClasses,
      activation: 'softmax',
      kernelInitializer: init(opts.seed, 99),
    }),
  );
  return model;
}

/**
 * Softmax over time of per-frame scores, then the score-weighted sum of the frame features.
 * Written with raw ops because tfjs's softmax only normalises over the last axis.
 */
class TemporalSoftmaxPool extends tf.layers.Layer {
  static readonly className = 'TemporalSoftmaxPool';

  override computeOutputShape(inputShape: tf.Shape[]): tf.Shape {
    const features = inputShape[0]!;
    return [features[0]!, features[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [features, scores] = inputs as [tf.Tensor3D, tf.Tensor3D];
      const weights = tf.softmax(tf.squeeze(scores, [2]));
      return tf.sum(tf.mul(features, tf.expandDims(weights, 2)), 1);
    });
  }
}

/**
 * (b) Conv1D + BN + maxpool, a bidirectional LSTM returning sequences, additive temporal attention
 * (dense tanh -> dense 1 -> softmax over time -> weighted sum) and a softmax head. Input is [frames, features].
 */
export function buildConvBiLstmAttention(
  opts: FixtureOptions & {
    inputShape: [number, number];
    convFilters: number;
    lstmUnits: number;
    attnUnits: number;
  },
): tf.LayersModel {
  const input = tf.input({ shape: opts.inputShape });
  let x = tf.layers
    .conv1d({
      filters: opts.convFilters,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: init(opts.seed, 0),
      kernelRegularizer: regulariser(opts.l2),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  const seq = tf.layers
    .bidirectional({
      layer: tf.layers.lstm({
        units: opts.lstmUnits,
        returnSequences: true,
        kernelInitializer: init(opts.seed, 1),
        recurrentInitializer: tf.initializers.orthogonal({ seed: opts.seed, gain: 1 }),
      }) as tf.RNN,
      mergeMode: 'concat',
    })
    .apply(x) as tf.SymbolicTensor;
  const hidden = tf.layers
    .dense({ units: opts.attnUnits, activation: 'tanh', kernelInitializer: init(opts.seed, 2) })
    .apply(seq) as tf.SymbolicTensor;
  const scores = tf.layers
    .dense({ units: 1, kernelInitializer: init(opts.seed, 3) })
    .apply(hidden) as tf.SymbolicTensor;
  let pooled = new TemporalSoftmaxPool({}).apply([seq, scores]) as tf.SymbolicTensor;
  if (opts.dropout)
    pooled = tf.layers.dropout({ rate: opts.dropout, seed: opts.seed }).apply(pooled) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: opts.numClasses, activation: 'softmax', kernelInitializer: init(opts.seed, 4) })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** (c) CNN-LSTM: three conv1d blocks, LSTM(returnSequences) -> LSTM -> softmax head. Input is [frames, features]. */
export function buildCnnLstm(
  opts: FixtureOptions & { inputShape: [number, number]; convFilters: number[]; lstmUnits: [number, number] },
): tf.LayersModel {
  const model = tf.sequential();
  opts.convFilters.forEach((filters, k) => {
    model.add(
      tf.layers.conv1d({
        ...(k === 0 ? { inputShape: opts.inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(opts.seed, k),
        kernelRegularizer: regulariser(opts.l2),
      }),
    );
  });
  model.add(
    tf.layers.lstm({
      units: opts.lstmUnits[0],
      returnSequences: true,
      kernelInitializer: init(opts.seed, 10),
      recurrentInitializer: tf.initializers.orthogonal({ seed: opts.seed, gain: 1 }),
    }),
  );
  model.add(
    tf.layers.lstm({
      units: opts.lstmUnits[1],
      kernelInitializer: init(opts.seed, 11),
      recurrentInitializer: tf.initializers.orthogonal({ seed: opts.seed, gain: 1 }),
    }),
  );
  if (opts.dropout) model.add(tf.layers.dropout({ rate: opts.dropout, seed: opts.seed }));
  model.add(
    tf.layers.dense({
      units: opts.numClasses,
      activation: 'softmax',
      kernelInitializer: init(opts.seed, 12),
    }),
  );
  return model;
}

/**
 * A learnable toy task: class c adds a constant to the c-th band of the feature axis (axis 1 of a
 * [batch, features, frames, 1] image, or the last axis of a [batch, frames, features] sequence) on top
 * of unit noise. Returns one-hot labels.
 */
export function syntheticBatch(
  shape: number[],
  numClasses: number,
  featureAxis: number,
  seed: number,
): { x: tf.Tensor; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const batch = shape[0]!;
    const labels = Array.from({ length: batch }, (_, i) => i % numClasses);
    const bands = shape[featureAxis]!;
    const maskRows = labels.map((c) =>
      Array.from({ length: bands }, (_, f) => (Math.floor((f * numClasses) / bands) === c ? 1.5 : 0)),
    );
    const maskShape = shape.map((d, i) => (i === 0 || i === featureAxis ? d : 1));
    const mask = tf.reshape(tf.tensor2d(maskRows), maskShape);
    const x = tf.add(tf.randomNormal(shape, 0, 1, 'float32', seed), mask);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D;
    return { x, y };
  });
}

/**
 * One optimiser step with the loss machinery a real training loop adds on top of the model: mixup of the
 * batch with its reverse, focal loss (pow/log) plus softmax cross-entropy, per-class weights, an exp
 * penalty and the model's L2 regulariser losses. Exercises the gradient kernels those ops need.
 * Returns the loss value.
 */
export function customTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor2D,
  classWeights: number[],
  mixupLambda = 0.7,
): number {
  const loss = optimizer.minimize(
    () => {
      const mix = <T extends tf.Tensor>(t: T): T =>
        tf.add(tf.mul(t, mixupLambda), tf.mul(tf.reverse(t, 0), 1 - mixupLambda));
      const ym = mix(y);
      const p = tf.clipByValue(model.apply(mix(x), { training: true }) as tf.Tensor2D, 1e-7, 1 - 1e-7);
      const focal = tf.sum(tf.mul(tf.pow(tf.sub(1, p), 2), tf.neg(tf.mul(ym, tf.log(p)))), -1);
      const weights = tf.sum(tf.mul(ym, tf.tensor1d(classWeights)), -1);
      let total: tf.Tensor = tf.mean(tf.mul(focal, weights));
      total = tf.add(total, tf.losses.softmaxCrossEntropy(ym, tf.log(p)));
      total = tf.add(total, tf.mul(0.01, tf.mean(tf.exp(tf.neg(p)))));
      for (const r of model.calculateLosses()) total = tf.add(total, r);
      return total as tf.Scalar;
    },
    true,
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  const value = loss!.dataSync()[0]!;
  loss!.dispose();
  return value;
}
