/**
 * Network inputs of a training batch: windows or their statistics (`stats-mlp`), and mixup.
 */
import { type StatsOptions, windowStats, windowStatsSize } from '@emostream/shared/analysis/window-stats';
import * as tf from '@tensorflow/tfjs';
import { type Rng, shuffle } from '../augment/rng.ts';
import type { ArchitectureName } from './architectures.ts';

/**
 * The network input for `n` normalised windows in `buf`: the windows themselves, or their statistics
 * for `stats-mlp` (pads of window i given by `pads[2i]`, `pads[2i + 1]`).
 */
export function modelInput(
  arch: ArchitectureName,
  buf: Float32Array,
  n: number,
  W: number,
  dim: number,
  pads: Int16Array,
  stats: StatsOptions = {},
): tf.Tensor {
  if (arch !== 'stats-mlp') return tf.tensor3d(buf.subarray(0, n * W * dim), [n, W, dim]);
  const size = windowStatsSize(dim, stats);
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    windowStats(
      buf.subarray(i * W * dim, (i + 1) * W * dim),
      W,
      dim,
      pads[2 * i]!,
      pads[2 * i + 1]!,
      out,
      i * size,
      stats,
    );
  }
  return tf.tensor2d(out, [n, size]);
}

/** Mixup partners (a shuffled batch) and the weight of each example's own side, at least 1/2. */
export function mixupPlan(n: number, alpha: number, rng: Rng): { partner: Int32Array; lambda: Float32Array } {
  const order = Array.from({ length: n }, (_, i) => i);
  const partner = Int32Array.from(shuffle(order, rng));
  const lambda = Float32Array.from({ length: n }, () => {
    const l = rng.beta(alpha, alpha);
    return Math.max(l, 1 - l);
  });
  return { partner, lambda };
}

/** `t` (batch first) blended with its mixup partners: `lambda t + (1 - lambda) t[partner]`, per example. */
export function mixup(t: tf.Tensor, plan: { partner: Int32Array; lambda: Float32Array }): tf.Tensor {
  return tf.tidy(() => {
    const n = t.shape[0]!;
    const lam = tf.tensor1d(plan.lambda).reshape([n, ...t.shape.slice(1).map(() => 1)]);
    const other = tf.gather(t, tf.tensor1d(plan.partner, 'int32'));
    return tf.add(tf.mul(t, lam), tf.mul(other, tf.sub(1, lam)));
  });
}
