import type * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { makeIdentityConfig } from './identity.ts';
import { makeBatchMatMulConfig } from './matmul.ts';
import { makeMaxPoolGradConfig } from './max-pool-grad.ts';
import { makeLeadingAxesReduceConfig } from './reduce.ts';
import { makeSliceConfig, makeSplitVConfig, makeUnpackConfig } from './slice.ts';
import { makeTileConfig } from './tile.ts';

/**
 * Kernels tfjs-backend-wasm 4.22 lacks for training our architectures, found by running forward+backward
 * of each of them on wasm (see backend.test.ts). Only Conv2DBackpropFilter is needed by them; the other
 * absent gradient kernels (DepthwiseConv2dNativeBackprop*, UnsortedSegmentSum for gather) belong to layer
 * types we do not use.
 */
export const WASM_MISSING_KERNELS: readonly tf.KernelConfig[] = [conv2dBackpropFilterConfig];

/** A faster replacement for a kernel wasm does have; `make` receives the native config to fall back on. */
export interface KernelOverride {
  kernelName: string;
  make: (native: tf.KernelConfig) => tf.KernelConfig;
}

/**
 * Optional overrides, each justified by a training-step profile (see the comment in its file). Training
 * works without them; with them results differ from stock wasm only by float rounding, except that
 * BatchMatMul flushes magnitudes below 1e-30 to zero (the subnormal slowdown described in matmul.ts).
 */
export const WASM_PERFORMANCE_OVERRIDES: readonly KernelOverride[] = [
  { kernelName: 'Conv2DBackpropInput', make: () => conv2dBackpropInputConfig },
  { kernelName: 'BatchMatMul', make: makeBatchMatMulConfig },
  { kernelName: 'MaxPoolGrad', make: makeMaxPoolGradConfig },
  { kernelName: 'Tile', make: makeTileConfig },
  { kernelName: 'Sum', make: (native) => makeLeadingAxesReduceConfig('Sum', native) },
  { kernelName: 'Mean', make: (native) => makeLeadingAxesReduceConfig('Mean', native) },
  { kernelName: 'Slice', make: makeSliceConfig },
  { kernelName: 'Unpack', make: makeUnpackConfig },
  { kernelName: 'SplitV', make: makeSplitVConfig },
  { kernelName: 'Identity', make: makeIdentityConfig },
];
