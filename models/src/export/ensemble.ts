/**
 * Ensembles of exported models in one ONNX graph: every member reads the shared input and the
 * output is the mean of their logits (`mean-logit`), or the log of the mean of their probabilities
 * (`mean-prob`, each member's softmax at temperature 1; the log keeps the output a vector of logits,
 * whose softmax is that mean, so the package's temperature still applies after it). One session,
 * one call per batch, so the server treats an ensemble like any other model. Members may read different parts of one flat input (a frame model
 * and a statistics model fed `frames+stats`): each then gets a Slice, and a Reshape to its own shape.
 */
import type { EnsembleCombine } from '@emostream/shared/model/config';
import { AttributeType, DataType, decodeModel, encodeModelObject } from './proto.ts';

type Obj = Record<string, unknown>;

/** The part of a flat shared input `[batch, size]` a member reads: `[start, end)`, then `shape`. */
export interface MemberInput {
  start: number;
  end: number;
  /** The member's input shape without the batch axis; its product must be `end - start`. */
  shape: number[];
}

export interface EnsembleOptions {
  input?: string;
  output?: string;
  /** Default `mean-logit`. */
  combine?: EnsembleCombine;
  /**
   * With `size`: the shared input is `[batch, size]` and member i reads `members[i]` of it (all
   * members must be given). Without: every member reads the shared input as it is.
   */
  slices?: { size: number; members: MemberInput[] };
}

function int64Tensor(name: string, values: number[]): Obj {
  return {
    name,
    dims: [values.length],
    data_type: DataType.INT64,
    raw_data: new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer),
  };
}

/** Merges models with the same input and output names into one whose logits are their mean. */
export function ensembleOnnx(models: readonly Uint8Array[], opts: EnsembleOptions = {}): Uint8Array {
  const input = opts.input ?? 'features';
  const output = opts.output ?? 'logits';
  if (models.length < 2) throw new TypeError('ensembleOnnx: need at least two models');
  const slices = opts.slices;
  if (slices) {
    if (slices.members.length !== models.length)
      throw new TypeError(`ensembleOnnx: ${models.length} models but ${slices.members.length} input slices`);
    for (const [i, m] of slices.members.entries()) {
      const size = m.shape.reduce((a, b) => a * b, 1);
      if (!(m.start >= 0 && m.end <= slices.size && m.end - m.start === size))
        throw new RangeError(
          `ensembleOnnx: member ${i} reads [${m.start}, ${m.end}) of ${slices.size} as [${m.shape}] (${size} values)`,
        );
    }
  }
  const decoded = models.map((m) => decodeModel(m) as Obj);
  const graphs = decoded.map((d) => d.graph as Obj);
  const nodes: Obj[] = [];
  const initializers: Obj[] = [];
  const memberOutputs: string[] = [];
  graphs.forEach((g, i) => {
    const prefix = `m${i}/`;
    const part = slices?.members[i];
    // A sliced member reads its own part, named inside its prefix.
    const memberInput = part ? `${prefix}${input}` : input;
    if (part) {
      initializers.push(
        int64Tensor(`${prefix}slice/starts`, [part.start]),
        int64Tensor(`${prefix}slice/ends`, [part.end]),
        int64Tensor(`${prefix}slice/axes`, [1]),
        int64Tensor(`${prefix}slice/shape`, [-1, ...part.shape]),
      );
      nodes.push(
        {
          name: `${prefix}slice`,
          op_type: 'Slice',
          input: [input, `${prefix}slice/starts`, `${prefix}slice/ends`, `${prefix}slice/axes`],
          output: [`${prefix}slice/out`],
        },
        {
          name: `${prefix}slice/reshape`,
          op_type: 'Reshape',
          input: [`${prefix}slice/out`, `${prefix}slice/shape`],
          output: [memberInput],
        },
      );
    }
    const rename = (name: string) => (name === '' ? name : name === input ? memberInput : `${prefix}${name}`);
    const outs = (g.output as Obj[]).map((o) => o.name as string);
    if (!outs.includes(output)) throw new Error(`ensembleOnnx: model ${i} has no output '${output}'`);
    if (!(g.input as Obj[]).some((v) => v.name === input))
      throw new Error(`ensembleOnnx: model ${i} has no input '${input}'`);
    for (const n of (g.node as Obj[]) ?? []) {
      nodes.push({
        ...n,
        name: rename((n.name as string) ?? ''),
        input: ((n.input as string[]) ?? []).map(rename),
        output: ((n.output as string[]) ?? []).map(rename),
      });
    }
    for (const t of (g.initializer as Obj[]) ?? [])
      initializers.push({ ...t, name: rename(t.name as string) });
    memberOutputs.push(rename(output));
  });
  const tail = combineTail(memberOutputs, output, opts.combine ?? 'mean-logit');
  nodes.push(...tail.nodes);
  initializers.push(...tail.initializers);
  const first = decoded[0]!;
  const opset = Math.max(...decoded.map((d) => Number((d.opset_import as Obj[])[0]!.version)));
  const ir = Math.max(...decoded.map((d) => Number(d.ir_version)));
  return encodeModelObject({
    ...first,
    ir_version: ir,
    opset_import: [{ domain: '', version: opset }],
    doc_string: `${opts.combine ?? 'mean-logit'} ensemble of ${models.length} models`,
    graph: {
      name: 'ensemble',
      node: nodes,
      initializer: initializers,
      input: slices
        ? [flatInput(graphs[0]!, input, slices.size)]
        : (graphs[0]!.input as Obj[]).filter((v) => v.name === input),
      output: (graphs[0]!.output as Obj[]).filter((v) => v.name === output),
    },
  });
}

const float = (name: string, value: number): Obj => ({
  name,
  dims: [],
  data_type: DataType.FLOAT,
  raw_data: new Uint8Array(new Float32Array([value]).buffer),
});

/** The nodes after the members: their outputs (`[batch, classes]` logits) combined into `output`. */
function combineTail(
  memberOutputs: readonly string[],
  output: string,
  combine: EnsembleCombine,
): { nodes: Obj[]; initializers: Obj[] } {
  const initializers = [float('ensemble/scale', 1 / memberOutputs.length)];
  if (combine === 'mean-logit') {
    return {
      nodes: [
        { name: 'ensemble/sum', op_type: 'Sum', input: [...memberOutputs], output: ['ensemble/sum'] },
        {
          name: 'ensemble/mean',
          op_type: 'Mul',
          input: ['ensemble/sum', 'ensemble/scale'],
          output: [output],
        },
      ],
      initializers,
    };
  }
  // The floor keeps log finite where every member gives a class a probability that underflows.
  initializers.push(float('ensemble/floor', 1e-30));
  const probs = memberOutputs.map((o) => `${o}/prob`);
  return {
    nodes: [
      ...memberOutputs.map((o, i) => ({
        name: `${o}/softmax`,
        op_type: 'Softmax',
        input: [o],
        output: [probs[i]!],
        // axis 1 of [batch, classes]: the class axis under every opset's Softmax semantics.
        attribute: [{ name: 'axis', type: AttributeType.INT, i: 1 }],
      })),
      { name: 'ensemble/sum', op_type: 'Sum', input: probs, output: ['ensemble/sum'] },
      {
        name: 'ensemble/mean',
        op_type: 'Mul',
        input: ['ensemble/sum', 'ensemble/scale'],
        output: ['ensemble/mean'],
      },
      {
        name: 'ensemble/floor',
        op_type: 'Max',
        input: ['ensemble/mean', 'ensemble/floor'],
        output: ['ensemble/floored'],
      },
      { name: 'ensemble/log', op_type: 'Log', input: ['ensemble/floored'], output: [output] },
    ],
    initializers,
  };
}

/** How an ensemble written by `ensembleOnnx` combines its members (undefined for a single model). */
export function ensembleCombineOf(model: Uint8Array): EnsembleCombine | undefined {
  const nodes = ((decodeModel(model) as Obj).graph as Obj).node as Obj[];
  if (!nodes.some((n) => n.name === 'ensemble/sum')) return undefined;
  return nodes.some((n) => n.name === 'ensemble/log') ? 'mean-prob' : 'mean-logit';
}

/** The shared input `[batch, size]`, with the element type and batch dimension of a member's input. */
function flatInput(graph: Obj, input: string, size: number): Obj {
  const v = (graph.input as Obj[]).find((x) => x.name === input)!;
  const tensor = (v.type as Obj).tensor_type as Obj;
  const dims = ((tensor.shape as Obj).dim as Obj[]) ?? [];
  return {
    name: input,
    type: {
      tensor_type: {
        elem_type: tensor.elem_type,
        shape: { dim: [dims[0] ?? { dim_param: 'batch' }, { dim_value: size }] },
      },
    },
  };
}
