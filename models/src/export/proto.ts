/**
 * The subset of the ONNX protobuf schema that the exporter writes, and typed encode/decode on top of
 * protobufjs.
 *
 * The schema is embedded as .proto text rather than taken from the `onnx-proto` package: that package
 * pins protobufjs 6 and ships a generated build of an old onnx.proto, while this subset is short
 * enough to check field by field against onnx/onnx.proto (IR version 10). Names, numbers, labels and
 * types below are copied from it; messages and fields the exporter never writes (sparse tensors,
 * functions, training info, segments, external data) are left out, which protobuf readers accept.
 */
import protobuf from 'protobufjs';

const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
    STRING = 3;
    TENSOR = 4;
    GRAPH = 5;
    SPARSE_TENSOR = 11;
    TYPE_PROTO = 13;
    FLOATS = 6;
    INTS = 7;
    STRINGS = 8;
    TENSORS = 9;
    GRAPHS = 10;
    SPARSE_TENSORS = 12;
    TYPE_PROTOS = 14;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
  repeated StringStringEntryProto metadata_props = 4;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  optional string overload = 8;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  repeated StringStringEntryProto metadata_props = 9;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
  repeated StringStringEntryProto metadata_props = 16;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
    UINT8 = 2;
    INT8 = 3;
    UINT16 = 4;
    INT16 = 5;
    INT32 = 6;
    INT64 = 7;
    STRING = 8;
    BOOL = 9;
    FLOAT16 = 10;
    DOUBLE = 11;
    UINT32 = 12;
    UINT64 = 13;
    COMPLEX64 = 14;
    COMPLEX128 = 15;
    BFLOAT16 = 16;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  repeated StringStringEntryProto metadata_props = 16;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

/** TensorProto.DataType values the exporter uses. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values the exporter uses. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** One dimension of a value's shape: a fixed size or a symbolic name such as the batch size. */
export type Dim = number | string;

export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

export interface ValueInfoMessage {
  name: string;
  elemType: number;
  shape: Dim[];
}

export interface ModelMessage {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
  graph: {
    name: string;
    node: NodeMessage[];
    initializer: TensorMessage[];
    input: ValueInfoMessage[];
    output: ValueInfoMessage[];
  };
}

let root: protobuf.Root | undefined;

function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root;
  return root.lookupType('onnx.ModelProto');
}

function valueInfo(v: ValueInfoMessage) {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.elemType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeModel(m: ModelMessage): Uint8Array {
  const type = modelType();
  const message = {
    ir_version: m.irVersion,
    opset_import: [{ domain: '', version: m.opsetVersion }],
    producer_name: m.producerName,
    producer_version: m.producerVersion,
    doc_string: m.docString,
    metadata_props: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: m.graph.name,
      node: m.graph.node.map((n) => ({
        name: n.name,
        op_type: n.opType,
        input: n.input,
        output: n.output,
        attribute: n.attribute,
      })),
      initializer: m.graph.initializer.map((t) => ({
        name: t.name,
        dims: t.dims,
        data_type: t.dataType,
        raw_data: t.rawData,
      })),
      input: m.graph.input.map(valueInfo),
      output: m.graph.output.map(valueInfo),
    },
  };
  const err = type.verify(message);
  if (err) throw new Error(`exportOnnx: invalid ModelProto: ${err}`);
  return type.encode(type.fromObject(message)).finish();
}

/** Serialises a decoded (snake_case) ModelProto object, e.g. one edited after {@link decodeModel}. */
export function encodeModelObject(obj: Record<string, unknown>): Uint8Array {
  const type = modelType();
  const err = type.verify(obj);
  if (err) throw new Error(`invalid ModelProto: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

/**
 * Decodes ONNX bytes into a plain object with the .proto's snake_case field names (int64 as numbers,
 * bytes as Uint8Array), for tests and tooling that inspect an exported graph.
 */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, defaults: false, arrays: true });
}
