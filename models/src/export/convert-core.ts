/**
 * Core layers: dense, activations, dropout, reshaping, concatenation and the batched dot product of
 * crnn-attn's attention. Elementwise layers keep whatever layout their input has; layers that index
 * Keras axes map them through the layout; reshapes work in Keras order.
 */
import {
  applyActivation,
  type ConvertContext,
  clip,
  type LayerConverter,
  layerWeights,
  normAxis,
  weight,
} from './context.ts';
import { identity, isReshapeOnly, type OnnxValue, type Shape } from './graph.ts';

function convertIdentity(ctx: ConvertContext): void {
  ctx.setOutput({ ...ctx.input(0), shape: ctx.call.outputs[0]!.shape });
}

function convertActivation(ctx: ConvertContext): void {
  ctx.setOutput(applyActivation(ctx, ctx.call.config.activation, ctx.input(0)));
}

function convertReLU(ctx: ConvertContext): void {
  const x = ctx.input(0);
  const max = ctx.call.config.maxValue;
  if (max !== undefined && max !== null && typeof max !== 'number') {
    throw new Error(`exportOnnx: layer ${ctx.call.layer.name} has maxValue ${String(max)}`);
  }
  const y = typeof max === 'number' ? clip(ctx, x.name, 0, max) : ctx.g.op('Relu', [x.name]);
  ctx.setOutput({ ...x, name: y });
}

function convertSoftmax(ctx: ConvertContext): void {
  const x = ctx.input(0);
  const raw = ctx.call.config.axis ?? -1;
  const axes = Array.isArray(raw) ? raw : [raw];
  if (axes.length !== 1 || typeof axes[0] !== 'number') {
    throw new Error(
      `exportOnnx: layer ${ctx.call.layer.name} (Softmax) over axes ${JSON.stringify(raw)} is not supported`,
    );
  }
  const axis = normAxis(axes[0], x.shape.length, ctx.call.layer);
  ctx.setOutput({ ...x, name: ctx.g.op('Softmax', [x.name], { axis: x.layout.indexOf(axis) }) });
}

/**
 * Dense on the last Keras axis: Gemm for rank 2, MatMul + Add otherwise. Any layout that keeps the
 * last Keras axis last works as is (a sequence-first LSTM output, for instance).
 */
function convertDense(ctx: ConvertContext): void {
  const { call, g } = ctx;
  let x = ctx.input(0);
  const rank = x.shape.length;
  if (x.layout[rank - 1] !== rank - 1) x = ctx.input(0, identity(rank));
  const w = layerWeights(call.layer);
  const kernel = weight(w, 'kernel', call.layer);
  const W = g.floats(`${call.layer.name}/kernel`, kernel.shape, kernel.data);
  const useBias = call.config.useBias !== false;
  const bias = useBias ? weight(w, 'bias', call.layer) : undefined;
  const B = bias ? g.floats(`${call.layer.name}/bias`, bias.shape, bias.data) : undefined;
  let y: string;
  if (rank === 2 && B) y = g.op('Gemm', [x.name, W, B], {}, call.layer.name);
  else {
    y = g.op('MatMul', [x.name, W], {}, call.layer.name);
    if (B) y = g.op('Add', [y, B], {}, call.layer.name);
  }
  const out: OnnxValue = { name: y, shape: call.outputs[0]!.shape, layout: x.layout };
  ctx.setOutput(applyActivation(ctx, call.config.activation, out));
}

function convertFlatten(ctx: ConvertContext): void {
  const { call, g } = ctx;
  // tfjs leaves dataFormat out of Flatten's getConfig(); read the instance field.
  const format = (call.layer as unknown as { dataFormat?: string }).dataFormat;
  if (format === 'channelsFirst')
    throw new Error(`exportOnnx: layer ${call.layer.name} (Flatten) with channelsFirst is not supported`);
  let x = ctx.input(0);
  const ident = identity(x.shape.length);
  if (!isReshapeOnly(x.shape, x.layout, ident)) x = ctx.input(0, ident);
  const y = g.op('Flatten', [x.name], { axis: 1 }, call.layer.name);
  ctx.setOutput({ name: y, shape: call.outputs[0]!.shape, layout: [0, 1] });
}

/**
 * Keras Reshape (target excludes the batch). tfjs reports a `-1` target dimension as unknown even when
 * the input is static, so the size is resolved here. When the consumers want a layout that differs
 * from Keras order only by size-1 axes (vgg2d's `[frames, dim, 1]` feeding NCHW convs), the Reshape
 * writes that layout directly.
 */
function convertReshape(ctx: ConvertContext): void {
  const { call, g } = ctx;
  const x0 = ctx.input(0);
  const inRank = x0.shape.length;
  const x = isReshapeOnly(x0.shape, x0.layout, identity(inRank)) ? x0 : ctx.input(0, identity(inRank));
  const target = call.config.targetShape as number[];
  const inDims = x.shape.slice(1);
  let shape: Shape = [null, ...target];
  if (inDims.every((d) => d !== null)) {
    const total = (inDims as number[]).reduce((a, b) => a * b, 1);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    shape = [null, ...target.map((d) => (d === -1 ? total / known : d))];
  }
  const preferred = ctx.preferredLayout(call.outputs[0]!);
  const direct =
    preferred !== undefined &&
    preferred.length === shape.length &&
    isReshapeOnly(shape, identity(shape.length), preferred);
  const layout = direct ? [...preferred] : identity(shape.length);
  const dims = direct ? layout.slice(1).map((k) => shape[k] as number) : target;
  const y = g.op('Reshape', [x.name, g.int64s([0, ...dims])], {}, call.layer.name);
  ctx.setOutput({ name: y, shape, layout });
}

function convertConcatenate(ctx: ConvertContext): void {
  const { call, g } = ctx;
  const first = ctx.input(0);
  const rank = first.shape.length;
  const axis = normAxis((call.config.axis as number | undefined) ?? -1, rank, call.layer);
  const names = call.inputs.map((_, i) => ctx.input(i, first.layout).name);
  const y = g.op('Concat', names, { axis: first.layout.indexOf(axis) }, call.layer.name);
  ctx.setOutput({ name: y, shape: call.outputs[0]!.shape, layout: first.layout });
}

/** Keras Dot of two rank-3 tensors, as tfjs' batchDot computes it: a batched MatMul. */
function convertDot(ctx: ConvertContext): void {
  const { call, g } = ctx;
  if (call.config.normalize === true)
    throw new Error(`exportOnnx: layer ${call.layer.name} (Dot) with normalize is not supported`);
  const a = ctx.input(0, identity(3));
  const b = ctx.input(1, identity(3));
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new Error(
      `exportOnnx: layer ${call.layer.name} (Dot) supports rank-3 inputs only, got ranks ${a.shape.length}, ${b.shape.length}`,
    );
  }
  const raw = call.config.axes;
  const axes = (Array.isArray(raw) ? raw : [raw, raw]).map((ax) => normAxis(ax as number, 3, call.layer));
  if (axes[0] === 0 || axes[1] === 0)
    throw new Error(`exportOnnx: layer ${call.layer.name} (Dot) over the batch axis`);
  const left = axes[0] === 2 ? a.name : g.op('Transpose', [a.name], { perm: [0, 2, 1] });
  const right = axes[1] === 1 ? b.name : g.op('Transpose', [b.name], { perm: [0, 2, 1] });
  const y = g.op('MatMul', [left, right], {}, call.layer.name);
  ctx.setOutput({ name: y, shape: call.outputs[0]!.shape, layout: identity(3) });
}

const passThrough = { passThrough: true } as const;

export const coreConverters: Record<string, LayerConverter> = {
  Dropout: { convert: convertIdentity, ...passThrough },
  SpatialDropout1D: { convert: convertIdentity, ...passThrough },
  Activation: { convert: convertActivation, ...passThrough },
  ReLU: { convert: convertReLU, ...passThrough },
  Softmax: { convert: convertSoftmax, ...passThrough },
  Dense: { convert: convertDense },
  Flatten: { convert: convertFlatten, inputLayout: identity },
  Reshape: { convert: convertReshape, inputLayout: identity },
  Concatenate: { convert: convertConcatenate },
  Dot: { convert: convertDot, inputLayout: identity },
};
