/**
 * Times a batch-32 training step and forward-only inference of the VGG-style CNN on 64 mel x 300 frames,
 * on the backend initTrainingBackend picks.
 *
 *   npx tsx models/scripts/bench-train-step.ts [--backend wasm|cpu|auto] [--stock] [--steps N] [--all]
 *
 * --stock disables the wasm performance overrides (stock tfjs kernels plus only the missing ones);
 * --all also times the Conv1D+BiLSTM+attention and CNN-LSTM fixtures on 300 frames x 64 features.
 */
import * as tf from '@tensorflow/tfjs';
import { initTrainingBackend, type TrainingBackendPreference } from '../src/train/backend.ts';
import {
  buildCnnLstm,
  buildConvBiLstmAttention,
  buildVggCnn,
  syntheticBatch,
} from '../src/train/training-fixtures.ts';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};

const BATCH = 32;
const steps = Number(option('--steps', '5'));

async function timeIt(label: string, repeats: number, run: () => Promise<void> | void): Promise<number> {
  await run(); // warm-up: XNNPACK operator creation, Adam slot variables, wasm heap growth
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) await run();
  const ms = (performance.now() - t0) / repeats;
  console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms`);
  return ms;
}

async function benchModel(
  name: string,
  model: tf.LayersModel,
  shape: number[],
  featureAxis: number,
): Promise<void> {
  console.log(`\n${name}: ${model.countParams()} params, input [${shape.join(', ')}]`);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const { x, y } = syntheticBatch(shape, 6, featureAxis, 1);
  await model.trainOnBatch(x, y); // creates Adam's slot variables, so the leak count below starts clean
  const tensorsBefore = tf.memory().numTensors;
  await timeIt(`train step, batch ${BATCH}`, steps, async () => {
    await model.trainOnBatch(x, y);
  });
  const leaked = tf.memory().numTensors - tensorsBefore;
  const x1 = tf.slice(x, 0, 1);
  for (const [label, input] of [
    ['inference, batch 1', x1],
    [`inference, batch ${BATCH}`, x],
  ] as const) {
    await timeIt(label, input === x1 ? 20 : steps, () => {
      const p = model.predict(input) as tf.Tensor;
      p.dataSync();
      p.dispose();
    });
  }
  console.log(`tensors leaked by the training steps: ${leaked}`);
  tf.dispose([x, y, x1]);
  model.dispose();
}

const info = await initTrainingBackend(option('--backend', 'wasm') as TrainingBackendPreference, {
  wasmOverrides: !flag('--stock'),
});
console.log(`backend: ${info.backend}; kernels registered: ${info.kernelsRegistered.join(', ') || 'none'}`);
if (info.backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  console.log(
    `WASM_HAS_SIMD_SUPPORT=${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')} ` +
      `WASM_HAS_MULTITHREAD_SUPPORT=${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')} ` +
      `XNNPACK threads=${wasm.getThreadsCount()}`,
  );
}

await benchModel(
  'VGG-style CNN, filters 16-32-64-128',
  buildVggCnn({
    numClasses: 6,
    inputShape: [64, 300, 1],
    filters: [16, 32, 64, 128],
    dropout: 0.3,
    l2: 1e-4,
    seed: 1,
  }),
  [BATCH, 64, 300, 1],
  1,
);
if (flag('--all')) {
  await benchModel(
    'Conv1D(64) + BiLSTM(64) + attention',
    buildConvBiLstmAttention({
      numClasses: 6,
      inputShape: [300, 64],
      convFilters: 64,
      lstmUnits: 64,
      attnUnits: 64,
      dropout: 0.3,
      seed: 1,
    }),
    [BATCH, 300, 64],
    2,
  );
  await benchModel(
    'CNN-LSTM: conv1d 64x3 + LSTM(128) + LSTM(64)',
    buildCnnLstm({
      numClasses: 6,
      inputShape: [300, 64],
      convFilters: [64, 64, 64],
      lstmUnits: [128, 64],
      seed: 1,
    }),
    [BATCH, 300, 64],
    2,
  );
}
