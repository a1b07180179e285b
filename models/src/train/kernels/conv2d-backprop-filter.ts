import * as tf from '@tensorflow/tfjs';
import { asOwnedTensor, padOrCrop } from './tensor-info.ts';

/**
 * Filter gradient of a 2-D convolution, built from the wasm backend's forward Conv2D.
 *
 * dW[i, j, ci, co] = sum over (n, y, x) of xPadded[n, y*sh + i, x*sw + j, ci] * dy[n, y, x, co]. Reading ci
 * as a batch index, n as an input channel and (y, x) as a filter tap, that is itself a 'valid' convolution
 * of xPadded^T [Ci, Hp, Wp, N] with dy^T [Ho, Wo, N, Co] as the filter, dilated by the forward stride,
 * whose [Ci, kh, kw, Co] output is dW up to a transpose. That runs on XNNPACK's convolution, which is
 * 3-8x faster on wasm than the alternatives measured here (per-tap matmuls pay for a strided slice per
 * tap, and BatchMatMul only reaches XNNPACK when neither operand is transposed; im2col also needs a
 * kh*kw-times copy of the activations).
 *
 * Dilations are not supported: tfjs's Conv2D gradient itself rejects dilations > 1 before reaching here.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tf.tidy(() => {
    // wasm's Conv2D is channels-last only, so NCHW callers pay a transpose.
    const xNhwc = dataFormat === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x;
    const dyNhwc = dataFormat === 'NCHW' ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(
      xNhwc.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
    // Keep exactly the rows/cols the forward pass read, so the 'valid' conv below yields kh x kw taps
    // (strided 'valid' convolutions can leave unread trailing rows).
    const usedHeight = (outHeight - 1) * strideHeight + filterHeight;
    const usedWidth = (outWidth - 1) * strideWidth + filterWidth;
    const padded = padOrCrop(xNhwc, [
      [0, 0],
      [padInfo.top, usedHeight - xNhwc.shape[1] - padInfo.top],
      [padInfo.left, usedWidth - xNhwc.shape[2] - padInfo.left],
      [0, 0],
    ]) as tf.Tensor4D;
    const xT = tf.transpose(padded, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dyNhwc, [1, 2, 0, 3]);
    const dwT = tf.conv2d(xT, dyAsFilter, 1, 'valid', 'NHWC', [strideHeight, strideWidth]);
    return tf.transpose(dwT, [1, 2, 0, 3]);
  });
}

/** Kernel registration for the filter gradient of Conv2D (and hence Conv1D) on wasm. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    return tf.tidy(() =>
      conv2dBackpropFilter(
        asOwnedTensor(x!) as tf.Tensor4D,
        asOwnedTensor(dy!) as tf.Tensor4D,
        attrs as unknown as tf.Conv2DBackpropFilterAttrs,
      ),
    );
  },
};
