/**
 * LSTM and Bidirectional(LSTM) as the ONNX LSTM op.
 *
 * - Gates: Keras packs kernel columns as i, f, c, o; ONNX packs W/R rows as i, o, f, c.
 * - Activations: ONNX f is Keras' recurrentActivation (tfjs defaults to hardSigmoid, 0.2x + 0.5, which
 *   is also ONNX HardSigmoid's default alpha/beta), g and h are Keras' activation.
 * - Bias: Keras has one bias per gate; ONNX adds an input and a recurrent bias, so the latter is zero.
 * - Layout: the op runs sequence-first (`layout` 0; onnxruntime's CPU kernel rejects the batch-first
 *   `layout` 1), so the input is transposed once and Y `[seq, dirs, batch, hidden]` is brought back to
 *   Keras `[batch, seq, dirs * hidden]`, or kept sequence-first when the next layer is recurrent too.
 */
import { concatSamples as concat } from '@emostream/shared/audio/frame';
import type * as tf from '@tensorflow/tfjs';
import {
  type ConvertContext,
  type LayerConverter,
  layerWeights,
  type WeightArray,
  weight,
} from './context.ts';
import { identity, type OnnxValue } from './graph.ts';

const SEQ_FIRST = [1, 0, 2];

/** ONNX gate g (i, o, f, c) is Keras gate KERAS_GATE[g] (Keras order i, f, c, o). */
const KERAS_GATE = [0, 3, 1, 2];

const RNN_ACTIVATIONS: Record<string, string> = {
  sigmoid: 'Sigmoid',
  hardSigmoid: 'HardSigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
};

interface LstmConfig {
  units: number;
  returnSequences: boolean;
  goBackwards: boolean;
  useBias: boolean;
  /** ONNX f, g, h. */
  activations: string[];
}

function lstmConfig(config: Record<string, unknown>, where: string): LstmConfig {
  if (config.returnState === true) throw new Error(`exportOnnx: ${where} with returnState is not supported`);
  if (config.stateful === true) throw new Error(`exportOnnx: ${where} with stateful is not supported`);
  const act = (key: string, fallback: string) => {
    const name = (config[key] as string | undefined) ?? fallback;
    const op = RNN_ACTIVATIONS[name];
    if (!op)
      throw new Error(
        `exportOnnx: ${where} has ${key} '${name}'; supported: ${Object.keys(RNN_ACTIVATIONS).join(', ')}`,
      );
    return op;
  };
  const g = act('activation', 'tanh');
  return {
    units: config.units as number,
    returnSequences: config.returnSequences === true,
    goBackwards: config.goBackwards === true,
    useBias: config.useBias !== false,
    activations: [act('recurrentActivation', 'hardSigmoid'), g, g],
  };
}

/** Keras `[rows, 4H]` (gate blocks i, f, c, o along columns) -> ONNX `[4H, rows]` (i, o, f, c). */
function gateMajor(k: WeightArray, units: number): Float32Array {
  const rows = k.shape[0]!;
  const out = new Float32Array(4 * units * rows);
  for (let g = 0; g < 4; g++) {
    const kg = KERAS_GATE[g]!;
    for (let j = 0; j < units; j++) {
      for (let r = 0; r < rows; r++)
        out[(g * units + j) * rows + r] = k.data[r * 4 * units + kg * units + j]!;
    }
  }
  return out;
}

interface DirectionWeights {
  W: Float32Array;
  R: Float32Array;
  B: Float32Array;
}

function directionWeights(layer: tf.layers.Layer, cfg: LstmConfig, prefix?: string): DirectionWeights {
  const w = layerWeights(layer, prefix);
  const H = cfg.units;
  const B = new Float32Array(8 * H);
  if (cfg.useBias) {
    const bias = weight(w, 'bias', layer).data;
    for (let g = 0; g < 4; g++) B.set(bias.subarray(KERAS_GATE[g]! * H, (KERAS_GATE[g]! + 1) * H), g * H);
  }
  return {
    W: gateMajor(weight(w, 'kernel', layer), H),
    R: gateMajor(weight(w, 'recurrent_kernel', layer), H),
    B,
  };
}

/** Emits the LSTM node; returns Y `[seq, dirs, batch, H]` or Y_h `[dirs, batch, H]`. */
function emitLstm(ctx: ConvertContext, cfg: LstmConfig, dirs: DirectionWeights[], direction: string): string {
  const { g, call } = ctx;
  const x = ctx.input(0, SEQ_FIRST);
  const inputDim = x.shape[2];
  if (typeof inputDim !== 'number')
    throw new Error(`exportOnnx: layer ${call.layer.name} has an unknown feature size`);
  const H = cfg.units;
  const n = dirs.length;
  const W = g.floats(`${call.layer.name}/W`, [n, 4 * H, inputDim], concat(dirs.map((d) => d.W)));
  const R = g.floats(`${call.layer.name}/R`, [n, 4 * H, H], concat(dirs.map((d) => d.R)));
  const B = g.floats(`${call.layer.name}/B`, [n, 8 * H], concat(dirs.map((d) => d.B)));
  const attrs = { hidden_size: H, direction, activations: dirs.flatMap(() => cfg.activations) };
  const name = call.layer.name;
  if (cfg.returnSequences) return g.node('LSTM', [x.name, W, R, B], attrs, [g.unique(`${name}/Y`)], name)[0]!;
  return g.node('LSTM', [x.name, W, R, B], attrs, ['', g.unique(`${name}/Y_h`)], name)[1]!;
}

function convertLstm(ctx: ConvertContext): void {
  const { call, g } = ctx;
  const cfg = lstmConfig(call.config, `layer ${call.layer.name} (LSTM)`);
  if (cfg.goBackwards && cfg.returnSequences) {
    throw new Error(
      `exportOnnx: layer ${call.layer.name} (LSTM) with goBackwards and returnSequences is not supported`,
    );
  }
  const y = emitLstm(ctx, cfg, [directionWeights(call.layer, cfg)], cfg.goBackwards ? 'reverse' : 'forward');
  const shape = call.outputs[0]!.shape;
  const out: OnnxValue = cfg.returnSequences
    ? { name: g.op('Squeeze', [y, g.int64s([1])]), shape, layout: SEQ_FIRST }
    : { name: g.op('Squeeze', [y, g.int64s([0])]), shape, layout: identity(2) };
  ctx.setOutput(out);
}

function convertBidirectional(ctx: ConvertContext): void {
  const { call, g } = ctx;
  const inner = call.config.layer as { className?: string; config?: Record<string, unknown> } | undefined;
  const where = `layer ${call.layer.name} (Bidirectional(${inner?.className}))`;
  if (inner?.className !== 'LSTM' || !inner.config)
    throw new Error(`exportOnnx: ${where} is not supported: only LSTM can be wrapped`);
  if (call.config.mergeMode !== 'concat') {
    throw new Error(
      `exportOnnx: ${where} with mergeMode ${String(call.config.mergeMode)} is not supported (only concat)`,
    );
  }
  const cfg = lstmConfig(inner.config, where);
  if (cfg.goBackwards) throw new Error(`exportOnnx: ${where} with goBackwards is not supported`);
  const dirs = [
    directionWeights(call.layer, cfg, 'forward_'),
    directionWeights(call.layer, cfg, 'backward_'),
  ];
  const y = emitLstm(ctx, cfg, dirs, 'bidirectional');
  const shape = call.outputs[0]!.shape;
  if (!cfg.returnSequences) {
    // Y_h [2, N, H] -> [N, 2, H] -> [N, 2H]: forward state, then backward state.
    const t = g.op('Transpose', [y], { perm: [1, 0, 2] });
    ctx.setOutput({ name: g.op('Reshape', [t, g.int64s([0, -1])]), shape, layout: identity(2) });
    return;
  }
  // ONNX already aligns the backward outputs with input time, as tfjs does by reversing them back.
  const seqFirst = ctx.preferredLayout(call.outputs[0]!)?.join() === SEQ_FIRST.join();
  const t = g.op('Transpose', [y], { perm: seqFirst ? [0, 2, 1, 3] : [2, 0, 1, 3] });
  const merged = g.op('Reshape', [t, g.int64s([0, 0, -1])], {}, call.layer.name);
  ctx.setOutput({ name: merged, shape, layout: seqFirst ? SEQ_FIRST : identity(3) });
}

export const recurrentConverters: Record<string, LayerConverter> = {
  LSTM: { convert: convertLstm, inputLayout: () => SEQ_FIRST },
  Bidirectional: { convert: convertBidirectional, inputLayout: () => SEQ_FIRST },
};
