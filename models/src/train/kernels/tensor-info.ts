import * as tf from '@tensorflow/tfjs';

/**
 * Turns a kernel input into a Tensor that composed tf ops can consume.
 *
 * Ops hand kernels real Tensors, which are returned unchanged. A bare TensorInfo (another kernel calling
 * this one directly) goes through the Identity kernel so the new Tensor holds its own reference on the
 * backend data; wrapping the dataId without that reference would free the caller's buffer on dispose.
 * The result belongs to the active tidy scope.
 */
export function asOwnedTensor(info: tf.TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  return tf.engine().runKernel(tf.Identity, { x: info } as unknown as tf.NamedTensorMap) as tf.Tensor;
}

/**
 * Pads (positive amounts) and crops (negative amounts) each axis in one call, so geometry code can state
 * the extent it needs without special-casing which side of zero the arithmetic lands on.
 */
export function padOrCrop(x: tf.Tensor, amounts: [number, number][]): tf.Tensor {
  const begin = amounts.map(([before]) => Math.max(0, -before));
  const size = x.shape.map((d, i) => d - begin[i]! - Math.max(0, -amounts[i]![1]));
  const cropped =
    begin.some((b) => b > 0) || size.some((s, i) => s !== x.shape[i]) ? tf.slice(x, begin, size) : x;
  const padding = amounts.map(([before, after]): [number, number] => [
    Math.max(0, before),
    Math.max(0, after),
  ]);
  return padding.some(([a, b]) => a > 0 || b > 0) ? tf.pad(cropped, padding) : cropped;
}
