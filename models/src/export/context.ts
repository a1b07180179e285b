/**
 * What a layer converter sees: the layer call being converted, its inputs as ONNX values, the model's
 * consumer graph (for folding and layout choice), and helpers for weights and activations.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder, Layout, OnnxValue } from './graph.ts';

/** Options for {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** ONNX opset of the default domain (13 to 21). */
  opset: number;
  /** `producer_name` written into the model. */
  producer: string;
  /** Fold a BatchNormalization into the Conv1D/Conv2D that feeds only it (inference-time exact). */
  foldBatchNorm: boolean;
}

export const defaultExportOnnxOptions: ExportOnnxOptions = {
  opset: 17,
  producer: '@emostream/models',
  foldBatchNorm: true,
};

/** One application of a layer in the model graph (a tfjs `Node`). */
export interface LayerCall {
  layer: tf.layers.Layer;
  className: string;
  config: Record<string, unknown>;
  inputs: tf.SymbolicTensor[];
  outputs: tf.SymbolicTensor[];
}

export interface ConvertContext {
  readonly g: GraphBuilder;
  readonly options: ExportOnnxOptions;
  readonly call: LayerCall;
  /** Input `i` in the layout it was produced in, or converted to `layout`. */
  input(i: number, layout?: Layout): OnnxValue;
  /** Registers the ONNX value for output `i` of the call (or of a call this converter absorbed). */
  setOutput(v: OnnxValue, tensor?: tf.SymbolicTensor): void;
  /** The calls that read `tensor` inside the model, and whether it is a model output. */
  consumers(tensor: tf.SymbolicTensor): { calls: LayerCall[]; isModelOutput: boolean };
  /** Marks a later call as already converted (its output must be set by the caller). */
  absorb(call: LayerCall): void;
  /** The layout the consumers of `tensor` would like, or undefined when they have no preference. */
  preferredLayout(tensor: tf.SymbolicTensor): Layout | undefined;
}

/** Converts one layer class. */
export interface LayerConverter {
  convert(ctx: ConvertContext): void;
  /** The input layout this converter works in for a given input rank, if it has a preference. */
  inputLayout?(rank: number): Layout;
  /** The layer maps its input elementwise, so its consumers' preference is what matters. */
  passThrough?: boolean;
}

export interface WeightArray {
  shape: number[];
  /** A private copy, safe to modify. */
  data: Float32Array;
}

/**
 * A layer's weights keyed by their short name (`kernel`, `bias`, `gamma`, `moving_mean`, ...): the
 * last path segment of the variable's original name with any `_N` uniquifying suffix removed. `prefix`
 * keeps only the weights whose path contains a segment starting with it (Bidirectional's `forward_`).
 */
export function layerWeights(layer: tf.layers.Layer, prefix?: string): Map<string, WeightArray> {
  const out = new Map<string, WeightArray>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const path = w.originalName.split('/');
    if (prefix !== undefined && !path.slice(0, -1).some((p) => p.startsWith(prefix))) return;
    const short = (path[path.length - 1] ?? '').replace(/_\d+$/, '');
    const value = values[i]!;
    out.set(short, { shape: value.shape, data: Float32Array.from(value.dataSync()) });
  });
  return out;
}

/** A required weight, with a clear error when it is missing. */
export function weight(weights: Map<string, WeightArray>, name: string, layer: tf.layers.Layer): WeightArray {
  const w = weights.get(name);
  if (!w)
    throw new Error(
      `exportOnnx: layer ${layer.name} has no '${name}' weight (has: ${[...weights.keys()].join(', ')})`,
    );
  return w;
}

/** Row-major transpose of `data` with `shape` by `perm` (output axis i = input axis perm[i]). */
export function transposeData(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strides[i]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i]! += 1;
      if (idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Normalises a possibly negative Keras axis. */
export function normAxis(axis: number, rank: number, layer: tf.layers.Layer): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new Error(`exportOnnx: layer ${layer.name} has axis ${axis} out of range for rank ${rank}`);
  return a;
}

/**
 * ReduceMean/ReduceMax over `axes` without keeping them; the axes moved from an attribute to an input
 * in opset 18.
 */
export function reduce(
  ctx: ConvertContext,
  op: 'ReduceMean' | 'ReduceMax',
  x: string,
  axes: number[],
): string {
  if (ctx.options.opset >= 18) return ctx.g.op(op, [x, ctx.g.int64s(axes)], { keepdims: 0 });
  return ctx.g.op(op, [x], { axes, keepdims: 0 });
}

const ELEMENTWISE: Record<string, string> = {
  relu: 'Relu',
  elu: 'Elu',
  selu: 'Selu',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  hardSigmoid: 'HardSigmoid',
  softplus: 'Softplus',
  softsign: 'Softsign',
};

/** Keras activation names {@link applyActivation} handles. */
export const SUPPORTED_ACTIVATIONS = ['linear', 'relu6', 'softmax', ...Object.keys(ELEMENTWISE)];

/**
 * Applies a Keras activation (by its serialised name) to `v`. The ONNX defaults of Elu (alpha 1),
 * Selu and HardSigmoid (alpha 0.2, beta 0.5) are the constants tfjs uses; softmax is over the last
 * Keras axis wherever the layout put it.
 */
export function applyActivation(ctx: ConvertContext, activation: unknown, v: OnnxValue): OnnxValue {
  const name = activation ?? 'linear';
  if (name === 'linear') return v;
  const op = typeof name === 'string' ? ELEMENTWISE[name] : undefined;
  if (op) return { ...v, name: ctx.g.op(op, [v.name]) };
  if (name === 'relu6') return { ...v, name: clip(ctx, v.name, 0, 6) };
  if (name === 'softmax') {
    const axis = v.layout.indexOf(v.shape.length - 1);
    return { ...v, name: ctx.g.op('Softmax', [v.name], { axis }) };
  }
  throw new Error(
    `exportOnnx: layer ${ctx.call.layer.name} (${ctx.call.className}) uses activation '${String(name)}', which is not supported (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
  );
}

/** Clip with scalar bounds (inputs since opset 11). */
export function clip(ctx: ConvertContext, x: string, min: number, max: number): string {
  const lo = ctx.g.floats('clip_min', [], Float32Array.of(min));
  const hi = ctx.g.floats('clip_max', [], Float32Array.of(max));
  return ctx.g.op('Clip', [x, lo, hi]);
}
