/**
 * Ensembles of exported models in one ONNX graph: every member reads the shared input and the
 * output is the mean of their logits. One session, one call per batch, so the server treats an
 * ensemble like any other model. Members may read different parts of one flat input (a frame model
 * and a statistics model fed `frames+stats`): each then gets a Slice, and a Reshape to its own shape.
 */
import { DataType, decodeModel, encodeModelObject } from './proto.ts';

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
  const scale = new Float32Array([1 / models.length]);
  initializers.push({
    name: 'ensemble/scale',
    dims: [],
    data_type: DataType.FLOAT,
    raw_data: new Uint8Array(scale.buffer),
  });
  nodes.push({ name: 'ensemble/sum', op_type: 'Sum', input: memberOutputs, output: ['ensemble/sum'] });
  nodes.push({
    name: 'ensemble/mean',
    op_type: 'Mul',
    input: ['ensemble/sum', 'ensemble/scale'],
    output: [output],
  });
  const first = decoded[0]!;
  const opset = Math.max(...decoded.map((d) => Number((d.opset_import as Obj[])[0]!.version)));
  const ir = Math.max(...decoded.map((d) => Number(d.ir_version)));
  return encodeModelObject({
    ...first,
    ir_version: ir,
    opset_import: [{ domain: '', version: opset }],
    doc_string: `mean-logit ensemble of ${models.length} models`,
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
