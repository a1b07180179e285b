import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * Merges adjacent axes where that does not change the row-major result, so the copy loop below works on
 * as few (and as long) rows as possible. Two rules: an axis whose own reps is 1 folds into the axis before
 * it, and a size-1 axis folds into the axis after it (their reps multiply).
 */
function canonicalise(shape: readonly number[], reps: readonly number[]): { dims: number[]; reps: number[] } {
  const dims: number[] = [];
  const outReps: number[] = [];
  shape.forEach((d, i) => {
    const r = reps[i]!;
    if (d === 1 && r === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && r === 1) {
      // [a, b] tiled by [ra, 1] is the flat a*b vector tiled ra times.
      dims[last]! *= d;
      return;
    }
    if (last >= 0 && dims[last] === 1) {
      // [1, b] tiled by [ra, rb] is b tiled ra*rb times.
      dims[last] = d;
      outReps[last]! *= r;
      return;
    }
    dims.push(d);
    outReps.push(r);
  });
  return { dims, reps: outReps };
}

/**
 * Writes tile(src, reps) into dst. Each source row is copied once; every replication after that is a
 * doubling copyWithin (a memmove), which is what makes this orders of magnitude faster than wasm's
 * per-element Tile for the broadcast-shaped tiles BatchNorm's gradient produces.
 */
export function tileInto(src: Typed, shape: readonly number[], reps: readonly number[], dst: Typed): void {
  const { dims, reps: r } = canonicalise(shape, reps);
  if (dims.length === 0) {
    dst[0] = src[0]!;
    return;
  }
  const rank = dims.length;
  const srcStride = new Array<number>(rank);
  const outBlock = new Array<number>(rank);
  srcStride[rank - 1] = 1;
  outBlock[rank - 1] = 1;
  for (let k = rank - 2; k >= 0; k--) {
    srcStride[k] = srcStride[k + 1]! * dims[k + 1]!;
    outBlock[k] = outBlock[k + 1]! * dims[k + 1]! * r[k + 1]!;
  }
  const replicate = (start: number, len: number, times: number): void => {
    const total = len * times;
    for (let filled = len; filled < total; filled *= 2) {
      dst.copyWithin(start + filled, start, start + Math.min(filled, total - filled));
    }
  };
  const build = (axis: number, s: number, d: number): void => {
    const dim = dims[axis]!;
    if (axis === rank - 1) {
      // Short rows (e.g. one value repeated per channel) are cheaper as a plain loop than set+copyWithin.
      const rep = r[axis]!;
      if (dim * rep <= 64) {
        for (let t = 0, o = d; t < rep; t++) for (let j = 0; j < dim; j++, o++) dst[o] = src[s + j]!;
        return;
      }
      dst.set(src.subarray(s, s + dim), d);
    } else {
      for (let i = 0; i < dim; i++) build(axis + 1, s + i * srcStride[axis]!, d + i * outBlock[axis]!);
    }
    replicate(d, dim * outBlock[axis]!, r[axis]!);
  };
  build(0, 0, 0);
}

/**
 * Replacement for wasm's native Tile, which costs ~40 ns per output element and dominated the BatchNorm
 * gradient (it tiles the per-channel scale up to the full activation shape). Strings stay on the native
 * kernel since they do not live in the wasm heap.
 */
export function makeTileConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    // Runs the native kernel's cwrap setup if the backend initialises while this override is registered.
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const { reps } = args.attrs as unknown as tf.TileAttrs;
      if (x.dtype === 'string' || x.dtype === 'complex64') return native.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const out = backend.makeOutput(
        x.shape.map((d, i) => d * reps[i]!),
        x.dtype,
      );
      if (tf.util.sizeFromShape(out.shape) === 0) return out;
      // Views are taken after makeOutput: allocating can grow wasm memory and detach older views.
      const src = backend.typedArrayFromHeap(x) as Typed;
      const dst = backend.typedArrayFromHeap(out) as Typed;
      tileInto(src, x.shape, reps, dst);
      return out;
    },
  };
}
