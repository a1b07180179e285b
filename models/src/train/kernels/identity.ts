import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Identity as a shared reference, as the cpu backend and wasm's own Reshape already do.
 *
 * wasm's Identity copies the buffer; tfjs calls it for every tf.clone, which includes each tensor a
 * customGrad op (fused conv2d, used by every conv layer with a bias) saves for its backward pass, so a
 * VGG step copied 10 full activations. Tensors are immutable, so sharing the buffer is safe.
 */
export function makeIdentityConfig(native: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      if (x.dtype === 'string') return native.kernelFunc(args);
      (args.backend as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
