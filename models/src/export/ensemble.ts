/**
 * Ensembles of exported models in one ONNX graph: every member reads the shared input and the
 * output is the mean of their logits. One session, one call per batch, so the server treats an
 * ensemble like any other model.
 */
import { DataType, decodeModel, encodeModelObject } from './proto.ts';

type Obj = Record<string, unknown>;

/** Merges models with the same input and output names into one whose logits are their mean. */
export function ensembleOnnx(
  models: readonly Uint8Array[],
  opts: { input?: string; output?: string } = {},
): Uint8Array {
  const input = opts.input ?? 'features';
  const output = opts.output ?? 'logits';
  if (models.length < 2) throw new TypeError('ensembleOnnx: need at least two models');
  const decoded = models.map((m) => decodeModel(m) as Obj);
  const graphs = decoded.map((d) => d.graph as Obj);
  const nodes: Obj[] = [];
  const initializers: Obj[] = [];
  const memberOutputs: string[] = [];
  graphs.forEach((g, i) => {
    const prefix = `m${i}/`;
    const rename = (name: string) => (name === input || name === '' ? name : `${prefix}${name}`);
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
      input: (graphs[0]!.input as Obj[]).filter((v) => v.name === input),
      output: (graphs[0]!.output as Obj[]).filter((v) => v.name === output),
    },
  });
}
