import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asOwnedTensor } from './tensor-info.ts';

/**
 * Magnitudes below this are flushed to zero. Not just subnormals (< 1.2e-38): a normal 1e-37 times a
 * typical weight of 1e-2 makes a subnormal product inside the GEMM, which is just as slow. 1e-30 leaves
 * eight decades of headroom for the other operand, and is still far below anything that can move a
 * float32 weight (Adam's epsilon alone is 1e-7).
 */
export const FLUSH_BELOW = 1e-30;
const MAGNITUDE = 0x7fffffff;
const SIGN = -0x80000000;
// Positive floats order like their bit patterns, so the threshold test is one integer compare.
const LIMIT = new Int32Array(new Float32Array([FLUSH_BELOW]).buffer)[0]!;

function bits(backend: BackendWasm, info: tf.TensorInfo): Int32Array {
  const f = backend.typedArrayFromHeap(info) as Float32Array;
  return new Int32Array(f.buffer, f.byteOffset, f.length);
}

/** Tensors (by dataId; tensors are immutable) already scanned and found free of tiny values. */
const clean = new WeakSet<object>();

function hasTiny(backend: BackendWasm, info: tf.TensorInfo): boolean {
  if (clean.has(info.dataId)) return false;
  const b = bits(backend, info);
  for (let i = 0; i < b.length; i++) {
    const m = b[i]! & MAGNITUDE;
    if (m !== 0 && m < LIMIT) return true;
  }
  clean.add(info.dataId);
  return false;
}

/** Replaces tiny values by (signed) zero. Only ever applied to buffers this module just created. */
function flushInPlace(b: Int32Array): void {
  for (let i = 0; i < b.length; i++) if ((b[i]! & MAGNITUDE) < LIMIT) b[i] = b[i]! & SIGN;
}

/** A copy of info without tiny values, as a Tensor owned by the active tidy scope. */
function flushedCopy(backend: BackendWasm, info: tf.TensorInfo): tf.Tensor {
  const out = backend.makeOutput(info.shape, 'float32');
  // Views are taken after makeOutput: allocating can grow wasm memory and detach older views.
  const dst = bits(backend, out);
  dst.set(bits(backend, info));
  flushInPlace(dst);
  // makeOutput already holds the single reference the new Tensor takes over.
  return tf.engine().makeTensorFromTensorInfo(out);
}

/**
 * BatchMatMul rerouted onto wasm's fast path, with tiny values flushed to zero.
 *
 * 1. wasm only sends a matmul to XNNPACK when neither operand is transposed and both batch sizes are 1;
 *    anything else runs a scalar triple loop about 10x slower. Backprop through every Dense/LSTM weight is
 *    exactly that case (dW = x^T dy, dx = dy W^T), so the transpose is materialised with the native
 *    Transpose kernel and the plain product goes back to the native kernel. Batched (batch > 1) products
 *    keep the native path.
 * 2. WebAssembly has no flush-to-zero mode, and x86 takes a microcode assist on every subnormal operand:
 *    a matmul with subnormal inputs measured 50x slower. Backprop through time over ~200+ LSTM steps
 *    produces exactly such vanishing gradients (a CNN-LSTM step on 300 frames went from 1.2 s to 5.9 s),
 *    so inputs holding values below FLUSH_BELOW are replaced by flushed copies, and outputs are flushed
 *    before they feed the next step.
 */
export function makeBatchMatMulConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return native.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const unbatched =
        tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 &&
        tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
      const reroute = (transposeA || transposeB) && unbatched;
      const dirtyA = hasTiny(backend, a);
      const dirtyB = hasTiny(backend, b);
      const out: tf.TensorInfo =
        !reroute && !dirtyA && !dirtyB
          ? (native.kernelFunc(args) as tf.TensorInfo)
          : tf.tidy(() => {
              const ta = dirtyA ? flushedCopy(backend, a) : asOwnedTensor(a);
              const tb = dirtyB ? flushedCopy(backend, b) : asOwnedTensor(b);
              if (!reroute) return tf.matMul(ta, tb, transposeA, transposeB);
              const as2d = (t: tf.Tensor): tf.Tensor2D =>
                tf.reshape(t, t.shape.slice(-2) as [number, number]);
              const a2 = transposeA ? tf.transpose(as2d(ta)) : as2d(ta);
              const b2 = transposeB ? tf.transpose(as2d(tb)) : as2d(tb);
              const product = tf.matMul(a2, b2);
              const outer = tf.broadcast_util.assertAndGetBroadcastShape(
                a.shape.slice(0, -2),
                b.shape.slice(0, -2),
              );
              return tf.reshape(product, [...outer, ...product.shape]);
            });
      // The output buffer is fresh (native output, or the last op of the tidy above), so ours to edit.
      flushInPlace(bits(backend, out));
      clean.add(out.dataId);
      return out;
    },
  };
}
