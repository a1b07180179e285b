/**
 * Convolution, batch normalisation and pooling. Keras tensors are channels-last; ONNX Conv and pools
 * are channels-first, so these converters ask for the channels-first layout and leave their output
 * in it: a chain of conv blocks then needs no Transpose at all, and the one conversion happens where
 * the chain meets a channels-last consumer (or not at all when only size-1 axes move, as after the
 * Reshape that adds vgg2d's single input channel).
 */
import {
  applyActivation,
  type ConvertContext,
  type LayerCall,
  type LayerConverter,
  layerWeights,
  normAxis,
  reduce,
  transposeData,
  weight,
} from './context.ts';
import { channelsFirst, type OnnxValue } from './graph.ts';

function numbers(value: unknown, n: number, what: string, call: LayerCall): number[] {
  const arr = Array.isArray(value) ? value : [value];
  const out = arr.length === 1 && n > 1 ? new Array<number>(n).fill(arr[0] as number) : (arr as number[]);
  if (out.length !== n || out.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    throw new Error(
      `exportOnnx: layer ${call.layer.name} has ${what} ${JSON.stringify(value)}, expected ${n} integers`,
    );
  }
  return out;
}

function checkChannelsLast(call: LayerCall): void {
  const format = call.config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') {
    throw new Error(
      `exportOnnx: layer ${call.layer.name} (${call.className}) uses dataFormat ${String(format)}; only channelsLast is supported`,
    );
  }
}

/**
 * ONNX `pads` (all begins, then all ends) for Keras padding over the spatial dims of `v`. TensorFlow's
 * 'same' puts the odd extra pixel at the end, which is ONNX SAME_UPPER; with an unknown spatial size
 * the explicit pads cannot be computed, so the auto_pad attribute is returned instead.
 */
function padding(
  call: LayerCall,
  v: OnnxValue,
  kernel: number[],
  strides: number[],
  dilations: number[],
): { pads: number[] } | { auto_pad: string } {
  const mode = call.config.padding ?? 'valid';
  const spatial = v.shape.slice(1, -1);
  if (mode === 'valid') return { pads: new Array<number>(kernel.length * 2).fill(0) };
  if (mode === 'causal') {
    if (kernel.length !== 1)
      throw new Error(`exportOnnx: layer ${call.layer.name} uses causal padding outside Conv1D`);
    return { pads: [(kernel[0]! - 1) * dilations[0]!, 0] };
  }
  if (mode !== 'same')
    throw new Error(`exportOnnx: layer ${call.layer.name} has unsupported padding ${String(mode)}`);
  if (spatial.some((d) => d === null)) return { auto_pad: 'SAME_UPPER' };
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((d, i) => {
    const size = d as number;
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const total = Math.max((Math.ceil(size / strides[i]!) - 1) * strides[i]! + span - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: [...begin, ...end] };
}

/** Inference-time batch-norm as a per-channel affine map: y = x * scale + shift. */
function batchNormAffine(bn: LayerCall, channels: number): { scale: Float32Array; shift: Float32Array } {
  const w = layerWeights(bn.layer);
  const epsilon = (bn.config.epsilon as number | undefined) ?? 1e-3;
  const mean = weight(w, 'moving_mean', bn.layer).data;
  const variance = weight(w, 'moving_variance', bn.layer).data;
  const gamma = bn.config.scale === false ? undefined : weight(w, 'gamma', bn.layer).data;
  const beta = bn.config.center === false ? undefined : weight(w, 'beta', bn.layer).data;
  if (mean.length !== channels)
    throw new Error(`exportOnnx: layer ${bn.layer.name} has ${mean.length} channels, expected ${channels}`);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    // In float64, then rounded once: the same rounding the folded weights get.
    const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + epsilon);
    scale[c] = s;
    shift[c] = (beta ? beta[c]! : 0) - mean[c]! * s;
  }
  return { scale, shift };
}

/** The BatchNormalization over the channel axis that is the only reader of `call`'s output, if any. */
function foldableBatchNorm(ctx: ConvertContext): LayerCall | undefined {
  if (!ctx.options.foldBatchNorm) return undefined;
  if ((ctx.call.config.activation ?? 'linear') !== 'linear') return undefined;
  const out = ctx.call.outputs[0]!;
  const { calls, isModelOutput } = ctx.consumers(out);
  const bn = calls[0];
  if (isModelOutput || calls.length !== 1 || bn?.className !== 'BatchNormalization') return undefined;
  const rank = out.shape.length;
  return normAxis((bn.config.axis as number | undefined) ?? -1, rank, bn.layer) === rank - 1 ? bn : undefined;
}

function convertConv(ctx: ConvertContext): void {
  const { call, g } = ctx;
  checkChannelsLast(call);
  const rank = call.inputs[0]!.shape.length;
  const nSpatial = rank - 2;
  const x = ctx.input(0, channelsFirst(rank));
  const w = layerWeights(call.layer);
  const kernel = weight(w, 'kernel', call.layer);
  // Keras [k..., in, out] -> ONNX [out, in, k...].
  const perm = [nSpatial + 1, nSpatial, ...Array.from({ length: nSpatial }, (_, i) => i)];
  const weights = transposeData(kernel.data, kernel.shape, perm);
  const wShape = perm.map((p) => kernel.shape[p]!);
  const outChannels = wShape[0]!;
  const perOut = weights.length / outChannels;
  const useBias = call.config.useBias !== false;
  let bias: Float32Array | undefined = useBias ? weight(w, 'bias', call.layer).data : undefined;

  const bn = foldableBatchNorm(ctx);
  if (bn) {
    const { scale, shift } = batchNormAffine(bn, outChannels);
    const b = new Float32Array(outChannels);
    for (let o = 0; o < outChannels; o++) {
      for (let j = 0; j < perOut; j++) weights[o * perOut + j]! *= scale[o]!;
      b[o] = (bias ? bias[o]! : 0) * scale[o]! + shift[o]!;
    }
    bias = b;
    ctx.absorb(bn);
  }

  const kernelShape = wShape.slice(2);
  const strides = numbers(call.config.strides ?? 1, nSpatial, 'strides', call);
  const dilations = numbers(call.config.dilationRate ?? 1, nSpatial, 'dilationRate', call);
  const inputs = [x.name, g.floats(`${call.layer.name}/W`, wShape, weights)];
  if (bias) inputs.push(g.floats(`${call.layer.name}/B`, [outChannels], bias));
  const y = g.op(
    'Conv',
    inputs,
    {
      kernel_shape: kernelShape,
      strides,
      dilations,
      group: 1,
      ...padding(call, x, kernelShape, strides, dilations),
    },
    call.layer.name,
  );
  const target = bn ? bn.outputs[0]! : call.outputs[0]!;
  const out: OnnxValue = { name: y, shape: target.shape, layout: x.layout };
  ctx.setOutput(applyActivation(ctx, call.config.activation, out), target);
}

/**
 * A standalone BatchNormalization as Mul + Add with constants shaped to broadcast over the channel
 * axis wherever the current layout holds it, so it never forces a Transpose.
 */
function convertBatchNorm(ctx: ConvertContext): void {
  const { call, g } = ctx;
  const x = ctx.input(0);
  const rank = x.shape.length;
  const axis = normAxis((call.config.axis as number | undefined) ?? -1, rank, call.layer);
  const channels = x.shape[axis];
  if (typeof channels !== 'number')
    throw new Error(`exportOnnx: layer ${call.layer.name} has an unknown channel count`);
  const { scale, shift } = batchNormAffine(call, channels);
  const pos = x.layout.indexOf(axis);
  const dims = [channels, ...new Array<number>(rank - 1 - pos).fill(1)];
  const scaled = g.op('Mul', [x.name, g.floats(`${call.layer.name}/scale`, dims, scale)]);
  const y = g.op('Add', [scaled, g.floats(`${call.layer.name}/shift`, dims, shift)], {}, call.layer.name);
  ctx.setOutput({ ...x, name: y, shape: call.outputs[0]!.shape });
}

function convertPool(op: 'MaxPool' | 'AveragePool') {
  return (ctx: ConvertContext): void => {
    const { call, g } = ctx;
    checkChannelsLast(call);
    const rank = call.inputs[0]!.shape.length;
    const x = ctx.input(0, channelsFirst(rank));
    const kernel = numbers(call.config.poolSize, rank - 2, 'poolSize', call);
    const strides = numbers(call.config.strides ?? kernel, rank - 2, 'strides', call);
    const ones = new Array<number>(rank - 2).fill(1);
    // count_include_pad 0 (the default) matches TensorFlow's 'same' average pooling.
    const y = g.op(
      op,
      [x.name],
      { kernel_shape: kernel, strides, ...padding(call, x, kernel, strides, ones) },
      call.layer.name,
    );
    ctx.setOutput({ name: y, shape: call.outputs[0]!.shape, layout: x.layout });
  };
}

function convertGlobalPool(op: 'ReduceMean' | 'ReduceMax') {
  return (ctx: ConvertContext): void => {
    checkChannelsLast(ctx.call);
    const x = ctx.input(0);
    const rank = x.shape.length;
    // Reducing the spatial axes leaves batch and channels in their Keras order whatever the layout.
    const axes = x.layout.flatMap((k, i) => (k !== 0 && k !== rank - 1 ? [i] : []));
    if (x.layout.indexOf(0) > x.layout.indexOf(rank - 1))
      throw new Error(`exportOnnx: unexpected layout [${x.layout}]`);
    const y = reduce(ctx, op, x.name, axes);
    ctx.setOutput({ name: y, shape: ctx.call.outputs[0]!.shape, layout: [0, 1] });
  };
}

const channelsFirstInput = { inputLayout: channelsFirst };

export const convConverters: Record<string, LayerConverter> = {
  Conv1D: { convert: convertConv, ...channelsFirstInput },
  Conv2D: { convert: convertConv, ...channelsFirstInput },
  BatchNormalization: { convert: convertBatchNorm, passThrough: true },
  MaxPooling1D: { convert: convertPool('MaxPool'), ...channelsFirstInput },
  MaxPooling2D: { convert: convertPool('MaxPool'), ...channelsFirstInput },
  AveragePooling1D: { convert: convertPool('AveragePool'), ...channelsFirstInput },
  AveragePooling2D: { convert: convertPool('AveragePool'), ...channelsFirstInput },
  GlobalAveragePooling1D: { convert: convertGlobalPool('ReduceMean') },
  GlobalAveragePooling2D: { convert: convertGlobalPool('ReduceMean') },
  GlobalMaxPooling1D: { convert: convertGlobalPool('ReduceMax') },
  GlobalMaxPooling2D: { convert: convertGlobalPool('ReduceMax') },
};
