import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Routes each output gradient to the first maximum (row-major within the window, padding excluded) of
 * its pooling window, which is the tie-break tfjs's cpu backend uses. NHWC, dilation 1.
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels: c,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
  } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * inWidth * c;
    for (let yo = 0; yo < outHeight; yo++) {
      const y0 = yo * strideHeight - padInfo.top;
      for (let xo = 0; xo < outWidth; xo++, o += c) {
        const x0 = xo * strideWidth - padInfo.left;
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let i = Math.max(0, y0); i < Math.min(inHeight, y0 + filterHeight); i++) {
          for (let j = Math.max(0, x0); j < Math.min(inWidth, x0 + filterWidth); j++) {
            const base = image + (i * inWidth + j) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]!;
              if (v > best[ch]! || where[ch] === -1) {
                best[ch] = v;
                where[ch] = base + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) if (where[ch]! >= 0) dx[where[ch]!]! += dy[o + ch]!;
      }
    }
  }
}

/**
 * Replacement for wasm's native MaxPoolGrad (a scalar C++ loop that took 170 ms for one [32, 64, 300, 16]
 * activation; this takes a fraction of that).
 */
export function makeMaxPoolGradConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as unknown as tf.MaxPoolGradInputs;
      if (input!.dtype !== 'float32') return native.kernelFunc(args);
      const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(
        input!.shape as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const backend = args.backend as BackendWasm;
      const dx = backend.makeOutput(input!.shape, 'float32');
      // Views are taken after makeOutput: allocating can grow wasm memory and detach older views.
      maxPoolGradInto(
        backend.typedArrayFromHeap(input!) as Float32Array,
        backend.typedArrayFromHeap(dy!) as Float32Array,
        backend.typedArrayFromHeap(dx) as Float32Array,
        info,
      );
      return dx;
    },
  };
}
