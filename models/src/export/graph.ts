/**
 * A small ONNX graph builder: unique names, typed attributes, float and int64 initialisers, and values
 * that remember in which axis order (layout) they hold a Keras tensor, so converters ask for the
 * layout they need and a Transpose is inserted only where two layouts meet.
 */
import {
  type AttributeMessage,
  AttributeType,
  DataType,
  type NodeMessage,
  type TensorMessage,
} from './proto.ts';

/** A Keras shape: `null` for the batch (or any unknown) dimension. */
export type Shape = (number | null)[];

/**
 * An axis order: ONNX axis `i` holds Keras axis `layout[i]`. `[0, 1, 2, 3]` is Keras' own order
 * (channels last); `[0, 3, 1, 2]` is NCHW for a Keras NHWC tensor; `[1, 0, 2]` is sequence-first.
 */
export type Layout = readonly number[];

/** A Keras tensor as it exists in the ONNX graph. */
export interface OnnxValue {
  /** ONNX value name. */
  name: string;
  /** The Keras shape (batch first, channels last). */
  shape: Shape;
  layout: Layout;
}

export type AttrValue = number | string | number[] | string[] | { floats: number[] } | { float: number };

/** Identity layout of a rank. */
export function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Channels-first layout of a rank-`rank` channels-last tensor: `[0, rank-1, 1, ..., rank-2]`. */
export function channelsFirst(rank: number): number[] {
  return [0, rank - 1, ...identity(rank).slice(1, rank - 1)];
}

export function sameLayout(a: Layout, b: Layout): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Whether going from layout `from` to layout `to` only moves size-1 axes while the batch stays first
 * and every other dimension is known: then a Reshape does it without moving any data.
 */
export function isReshapeOnly(shape: Shape, from: Layout, to: Layout): boolean {
  const nonUnit = (l: Layout) => l.filter((k) => shape[k] !== 1);
  return (
    from[0] === 0 &&
    to[0] === 0 &&
    !shape.slice(1).some((d) => d === null) &&
    sameLayout(nonUnit(from), nonUnit(to))
  );
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(data: Float32Array | BigInt64Array): Uint8Array {
  if (!LITTLE_ENDIAN)
    throw new Error('exportOnnx: big-endian hosts are not supported (raw_data is little-endian)');
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function attribute(name: string, value: AttrValue): AttributeMessage {
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new Error(`exportOnnx: attribute ${name} must be an integer, got ${value}`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string')) {
      return { name, type: AttributeType.STRINGS, strings: value.map((s) => new TextEncoder().encode(s)) };
    }
    return { name, type: AttributeType.INTS, ints: value as number[] };
  }
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();
  private readonly int64Consts = new Map<string, string>();
  /** Layout conversions already emitted, keyed by source value name and target layout. */
  private readonly converted = new Map<string, string>();

  /** A name not used yet, derived from `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`exportOnnx: duplicate value name ${name}`);
    this.used.add(name);
    return name;
  }

  /** Appends a node and returns its output names (`outputs` gives their base names or count). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: string[] | number = 1,
    base = opType,
  ): string[] {
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.unique(`${base}${i ? `_${i}` : ''}`))
        : outputs;
    this.nodes.push({
      name: this.unique(`${base}_node`),
      opType,
      input: inputs,
      output: outNames,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outNames;
  }

  /** Single-output {@link node}. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, base = opType): string {
    return this.node(opType, inputs, attrs, 1, base)[0]!;
  }

  /** Adds a float32 initialiser. */
  floats(base: string, dims: number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`exportOnnx: initialiser ${base} has ${data.length} values for dims [${dims}]`);
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });
    return name;
  }

  /** A 1-D int64 constant (shapes, axes), shared between nodes that use the same values. */
  int64s(values: number[]): string {
    const key = values.join(',');
    const cached = this.int64Consts.get(key);
    if (cached) return cached;
    const name = this.unique(`const_i64_${values.map((v) => (v < 0 ? `m${-v}` : v)).join('_') || 'empty'}`);
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: DataType.INT64,
      rawData: bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))),
    });
    this.int64Consts.set(key, name);
    return name;
  }

  /**
   * The value in `layout`, converting it if needed. A conversion that only moves size-1 axes while the
   * batch axis stays first is a Reshape (no data movement); anything else is a Transpose. Each
   * conversion is emitted once and reused by every consumer.
   */
  toLayout(v: OnnxValue, layout: Layout): OnnxValue {
    if (sameLayout(v.layout, layout)) return v;
    if (layout.length !== v.layout.length)
      throw new Error(`exportOnnx: layout [${layout}] does not fit rank ${v.shape.length}`);
    const key = `${v.name}|${layout.join(',')}`;
    const cached = this.converted.get(key);
    if (cached) return { name: cached, shape: v.shape, layout };
    const where = new Map(v.layout.map((k, i) => [k, i]));
    const perm = layout.map((k) => where.get(k)!);
    const name = isReshapeOnly(v.shape, v.layout, layout)
      ? this.op(
          'Reshape',
          [v.name, this.int64s([0, ...layout.slice(1).map((k) => v.shape[k] as number)])],
          {},
          'relayout',
        )
      : this.op('Transpose', [v.name], { perm }, 'transpose');
    this.converted.set(key, name);
    return { name, shape: v.shape, layout };
  }
}
