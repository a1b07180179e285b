import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/*
 * wasm's Slice (and Unpack and SplitV, which call it internally) starts with backend.readSync(x), which
 * copies the WHOLE input out of the wasm heap for every slice. An RNN unstacks its [batch, T, features]
 * input into T slices, so that is T full copies: 280 ms for one Unpack of a [32, 150, 128] tensor in the
 * gradient of an LSTM layer. These replacements read through a heap view instead.
 */

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * Copies x[begin : begin + size] into a new wasm tensor. The axes after the last partially-sliced one are
 * contiguous in both source and destination, so the copy is one set() per index of the axes before it.
 */
function sliceFromHeap(
  backend: BackendWasm,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  const rank = x.shape.length;
  if (rank === 0) {
    (backend.typedArrayFromHeap(out) as Typed)[0] = (backend.typedArrayFromHeap(x) as Typed)[0]!;
    return out;
  }
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const strides = tf.util.computeStrides(x.shape);
  const block = size[k]! * (k === rank - 1 ? 1 : strides[k]!);
  // Views are taken after makeOutput: allocating can grow wasm memory and detach older views.
  const src = backend.typedArrayFromHeap(x) as Typed;
  const dst = backend.typedArrayFromHeap(out) as Typed;
  const index = begin.slice(0, k);
  const blocks = tf.util.sizeFromShape(size.slice(0, k));
  for (let b = 0, o = 0; b < blocks; b++, o += block) {
    let off = begin[k]! * (k === rank - 1 ? 1 : strides[k]!);
    for (let a = 0; a < k; a++) off += index[a]! * strides[a]!;
    if (block < 16) for (let j = 0; j < block; j++) dst[o + j] = src[off + j]!;
    else dst.set(src.subarray(off, off + block), o);
    // Odometer over the axes before k.
    for (let a = k - 1; a >= 0; a--) {
      if (++index[a]! < begin[a]! + size[a]!) break;
      index[a] = begin[a]!;
    }
  }
  return out;
}

function viewable(x: tf.TensorInfo): boolean {
  return x.dtype !== 'string' && x.dtype !== 'complex64';
}

/** Slice through a heap view; strings keep the native path. */
export function makeSliceConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      if (!viewable(x)) return native.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
      const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
      return sliceFromHeap(args.backend as BackendWasm, x, b!, s!);
    },
  };
}

/** Unpack (unstack) through heap views: one pass per output instead of one full input copy each. */
export function makeUnpackConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Unpack,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const value = args.inputs.value!;
      if (!viewable(value)) return native.kernelFunc(args);
      const rank = value.shape.length;
      let { axis } = args.attrs as unknown as tf.UnpackAttrs;
      if (axis < 0) axis += rank;
      const begin = new Array<number>(rank).fill(0);
      const size = value.shape.slice();
      size[axis] = 1;
      const outShape = value.shape.filter((_, i) => i !== axis);
      const backend = args.backend as BackendWasm;
      return Array.from({ length: value.shape[axis]! }, (_, i) => {
        begin[axis] = i;
        const out = sliceFromHeap(backend, value, begin, size);
        return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
      });
    },
  };
}

/** SplitV (used per time step by the LSTM cell to cut its four gates) through heap views. */
export function makeSplitVConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      if (!viewable(x)) return native.kernelFunc(args);
      const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
      const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      const backend = args.backend as BackendWasm;
      return sizes.map((s) => {
        const size = x.shape.slice();
        size[$axis] = s;
        const out = sliceFromHeap(backend, x, begin, size);
        begin[$axis]! += s;
        return out;
      });
    },
  };
}
