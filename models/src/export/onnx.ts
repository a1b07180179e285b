/**
 * Exports a tfjs LayersModel to ONNX, by walking its layer graph and writing the ModelProto directly
 * (there is no tfjs-to-ONNX converter in JavaScript).
 *
 * The graph has one input `features` `[N, frames, dim]` and one output `logits` `[N, classes]`, with
 * a symbolic batch `N`. Layers are converted one call at a time in topological order; each value
 * remembers its axis order, so channels-first convs, sequence-first LSTMs and channels-last dense
 * layers meet through as few Transposes as the graph allows. BatchNormalization after a conv is
 * folded into the conv's weights by default.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(buildModel('vgg2d', opts));
 * await writeFile('model.onnx', bytes);
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ConvertContext,
  defaultExportOnnxOptions,
  type ExportOnnxOptions,
  type LayerCall,
  type LayerConverter,
} from './context.ts';
import { convConverters } from './convert-conv.ts';
import { coreConverters } from './convert-core.ts';
import { recurrentConverters } from './convert-recurrent.ts';
import { GraphBuilder, identity, type Layout, type OnnxValue, type Shape } from './graph.ts';
import { DataType, type Dim, encodeModel } from './proto.ts';

export { defaultExportOnnxOptions, type ExportOnnxOptions } from './context.ts';

/** Name of the exported model's input. */
export const ONNX_INPUT_NAME = 'features';
/** Name of the exported model's output. */
export const ONNX_OUTPUT_NAME = 'logits';

const CONVERTERS: Record<string, LayerConverter> = {
  ...convConverters,
  ...coreConverters,
  ...recurrentConverters,
};

/** Keras layer classes {@link exportOnnx} converts. */
export const SUPPORTED_LAYERS: readonly string[] = ['InputLayer', ...Object.keys(CONVERTERS)].sort();

const MIN_OPSET = 13;
const MAX_OPSET = 21;

/** The IR version released with each opset (onnx/onnx docs/Versioning.md). */
function irVersion(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function resolveOptions(opts: Partial<ExportOnnxOptions>): ExportOnnxOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const o: ExportOnnxOptions = { ...defaultExportOnnxOptions, ...defined };
  if (!Number.isInteger(o.opset) || o.opset < MIN_OPSET || o.opset > MAX_OPSET) {
    throw new TypeError(
      `exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${o.opset}`,
    );
  }
  if (typeof o.producer !== 'string' || o.producer === '')
    throw new TypeError('exportOnnx: producer must be a non-empty string');
  if (typeof o.foldBatchNorm !== 'boolean')
    throw new TypeError('exportOnnx: foldBatchNorm must be a boolean');
  return o;
}

/** Every layer call that the model's output depends on, inputs before consumers. */
function collectCalls(model: tf.LayersModel): LayerCall[] {
  const order: LayerCall[] = [];
  const seen = new Set<number>();
  const visit = (t: tf.SymbolicTensor): void => {
    const node = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (!node) throw new Error(`exportOnnx: tensor ${t.name} has no producing node`);
    if (seen.has(node.id)) return;
    seen.add(node.id);
    // An InputLayer's node lists its own output as input.
    for (const input of node.inputTensors) if (input.id !== t.id) visit(input);
    const layer = node.outboundLayer;
    order.push({
      layer,
      className: layer.getClassName(),
      config: layer.getConfig() as Record<string, unknown>,
      inputs: node.inputTensors,
      outputs: node.outputTensors,
    });
  };
  model.outputs.forEach(visit);
  return order;
}

function valueDims(shape: Shape): Dim[] {
  return shape.map((d, i) => (i === 0 ? 'N' : (d ?? `d${i}`)));
}

/**
 * Converts `model` to ONNX ModelProto bytes.
 *
 * Throws an Error naming the layer and its class for any layer (or layer option) that has no
 * converter, and a TypeError for invalid options. The model must have one input and one output.
 */
export function exportOnnx(model: tf.LayersModel, opts: Partial<ExportOnnxOptions> = {}): Uint8Array {
  const options = resolveOptions(opts);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `exportOnnx: model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; expected 1 and 1`,
    );
  }
  const calls = collectCalls(model);
  for (const call of calls) {
    if (call.className !== 'InputLayer' && !CONVERTERS[call.className]) {
      throw new Error(
        `exportOnnx: layer '${call.layer.name}' of class ${call.className} is not supported (supported: ${SUPPORTED_LAYERS.join(', ')})`,
      );
    }
  }

  const consumerMap = new Map<number, LayerCall[]>();
  for (const call of calls) {
    for (const t of call.inputs) {
      if (call.className === 'InputLayer') continue;
      consumerMap.set(t.id, [...(consumerMap.get(t.id) ?? []), call]);
    }
  }
  const modelInput = model.inputs[0]!;
  const modelOutput = model.outputs[0]!;
  const consumers = (t: tf.SymbolicTensor) => ({
    calls: consumerMap.get(t.id) ?? [],
    isModelOutput: t.id === modelOutput.id,
  });

  const preferredLayout = (t: tf.SymbolicTensor): Layout | undefined => {
    const { calls: readers, isModelOutput } = consumers(t);
    const wants = readers.map((c) => {
      const conv = CONVERTERS[c.className];
      if (conv?.inputLayout) return conv.inputLayout(t.shape.length);
      return conv?.passThrough && c.outputs[0] ? preferredLayout(c.outputs[0]) : undefined;
    });
    if (isModelOutput) wants.push(identity(t.shape.length));
    const first = wants[0];
    return first && wants.every((w) => w?.join() === first.join()) ? first : undefined;
  };

  const g = new GraphBuilder();
  const values = new Map<number, OnnxValue>();
  values.set(modelInput.id, {
    name: g.reserve(ONNX_INPUT_NAME),
    shape: modelInput.shape,
    layout: identity(modelInput.shape.length),
  });
  g.reserve(ONNX_OUTPUT_NAME);
  const absorbed = new Set<LayerCall>();

  for (const call of calls) {
    if (call.className === 'InputLayer' || absorbed.has(call)) continue;
    const ctx: ConvertContext = {
      g,
      options,
      call,
      input(i, layout) {
        const t = call.inputs[i];
        const v = t && values.get(t.id);
        if (!v) throw new Error(`exportOnnx: input ${i} of layer ${call.layer.name} has not been converted`);
        return layout ? g.toLayout(v, layout) : v;
      },
      setOutput(v, tensor = call.outputs[0]) {
        if (!tensor) throw new Error(`exportOnnx: layer ${call.layer.name} has no output`);
        values.set(tensor.id, v);
      },
      consumers,
      absorb: (c) => absorbed.add(c),
      preferredLayout,
    };
    CONVERTERS[call.className]!.convert(ctx);
  }

  const result = values.get(modelOutput.id);
  if (!result) throw new Error('exportOnnx: the model output was not converted');
  const final = g.toLayout(result, identity(result.shape.length));
  if (final.name === ONNX_INPUT_NAME) g.node('Identity', [final.name], {}, [ONNX_OUTPUT_NAME]);
  else {
    for (const node of g.nodes) {
      node.output = node.output.map((n) => (n === final.name ? ONNX_OUTPUT_NAME : n));
      node.input = node.input.map((n) => (n === final.name ? ONNX_OUTPUT_NAME : n));
    }
  }

  return encodeModel({
    irVersion: irVersion(options.opset),
    opsetVersion: options.opset,
    producerName: options.producer,
    producerVersion: `tfjs-layers ${tf.version_layers}`,
    docString: `Exported from tfjs LayersModel '${model.name}'`,
    metadata: { source_model: model.name, keras_layers: calls.map((c) => c.className).join(',') },
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: ONNX_INPUT_NAME, elemType: DataType.FLOAT, shape: valueDims(modelInput.shape) }],
      output: [{ name: ONNX_OUTPUT_NAME, elemType: DataType.FLOAT, shape: valueDims(modelOutput.shape) }],
    },
  });
}
