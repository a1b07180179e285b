import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initTrainingBackend } from './backend.ts';
import { FLUSH_BELOW } from './kernels/matmul.ts';

/*
 * Every kernel backend.ts registers on wasm, checked against the cpu backend (tfjs's reference
 * implementation) on random inputs. Gradient kernels are reached through tf.grads of the forward op, i.e.
 * the same path training takes.
 */

type Arrays = (Float32Array | Int32Array | Uint8Array)[];

/** Deterministic uniform(-1, 1) data so both backends see identical inputs. */
function random(shape: number[], seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}

/** Runs f on a backend and returns its tensors' values, leaving no tensors behind. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Arrays> {
  await initTrainingBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const values = out.map((t) => t.dataSync() as Float32Array | Int32Array | Uint8Array);
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

/** max |a - b| / max |b|: error relative to the magnitude of the reference. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

async function expectSameOnBothBackends(f: () => tf.Tensor[], tolerance: number): Promise<number> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  let worst = 0;
  cpu.forEach((c, i) => {
    worst = Math.max(worst, relErr(wasm[i]!, c));
  });
  expect(worst).toBeLessThanOrEqual(tolerance);
  return worst;
}

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  out: number;
  stride: number | [number, number];
  pad: 'same' | 'valid';
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 9, 1], k: [3, 3], out: 4, stride: 1, pad: 'same' },
  { x: [5, 7, 9, 3], k: [3, 3], out: 8, stride: 1, pad: 'valid' },
  { x: [5, 11, 8, 8], k: [3, 3], out: 3, stride: 2, pad: 'same' },
  { x: [1, 10, 13, 3], k: [3, 3], out: 8, stride: 2, pad: 'valid' },
  { x: [5, 9, 9, 8], k: [5, 3], out: 1, stride: [2, 1], pad: 'same' },
  { x: [2, 6, 7, 8], k: [1, 1], out: 5, stride: 1, pad: 'valid' },
  { x: [1, 12, 10, 1], k: [4, 4], out: 2, stride: 3, pad: 'valid' },
  { x: [3, 1, 21, 8], k: [1, 3], out: 6, stride: 1, pad: 'same' }, // conv1d through conv2d
  // Asymmetric 'same' padding (top != bottom): even kernels, and odd input with stride 2.
  { x: [2, 10, 8, 3], k: [3, 3], out: 4, stride: 2, pad: 'same' },
  { x: [2, 7, 6, 3], k: [4, 2], out: 3, stride: 1, pad: 'same' },
];

function describeCase(c: ConvCase): string {
  return `x=${c.x} k=${c.k} out=${c.out} stride=${c.stride} ${c.pad}`;
}

describe('conv2d gradients on wasm match cpu', () => {
  it.each(CONV_CASES)('dx and dW for $x, k=$k, stride=$stride, $pad', async (c) => {
    const f = (): tf.Tensor[] => {
      const x = tf.tensor4d(random(c.x, 1), c.x);
      const w = tf.tensor4d(random([...c.k, c.x[3], c.out], 2), [...c.k, c.x[3], c.out]);
      const yShape = tf.conv2d(x, w, c.stride, c.pad).shape;
      const probe = tf.tensor(random(yShape, 3), yShape);
      // A random probe makes dy non-uniform, so a misplaced tap cannot cancel out.
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), probe));
      return tf.grads(loss)([x, w]);
    };
    const err = await expectSameOnBothBackends(f, 1e-4);
    expect(err, describeCase(c)).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    'NHWC',
    'NCHW',
  ] as const)('Conv2DBackprop{Filter,Input} kernels directly, %s', async (dataFormat) => {
    for (const c of CONV_CASES.slice(0, 5)) {
      const f = (): tf.Tensor[] => {
        const nhwc = c.x;
        const xShape = dataFormat === 'NHWC' ? nhwc : [nhwc[0], nhwc[3], nhwc[1], nhwc[2]];
        const filterShape = [...c.k, nhwc[3], c.out] as [number, number, number, number];
        const info = tf.backend_util.computeConv2DInfo(nhwc, filterShape, c.stride, 1, c.pad);
        const dyShape =
          dataFormat === 'NHWC'
            ? [nhwc[0], info.outHeight, info.outWidth, c.out]
            : [nhwc[0], c.out, info.outHeight, info.outWidth];
        const x = tf.tensor(random(xShape, 4), xShape);
        const dy = tf.tensor(random(dyShape, 5), dyShape);
        const filter = tf.tensor(random(filterShape, 6), filterShape);
        const attrs = { strides: c.stride, pad: c.pad, dataFormat };
        const run = (name: string, inputs: tf.NamedTensorMap, extra: object) =>
          tf
            .engine()
            .runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [
          run('Conv2DBackpropFilter', { x, dy }, { filterShape }),
          run('Conv2DBackpropInput', { dy, filter }, { inputShape: xShape }),
        ];
      };
      await expectSameOnBothBackends(f, 1e-4);
    }
  });
});

describe('pooling gradients on wasm match cpu', () => {
  const cases: [[number, number, number, number], number, number, 'same' | 'valid'][] = [
    [[1, 8, 8, 1], 2, 2, 'valid'],
    [[5, 9, 7, 3], 2, 2, 'same'],
    [[2, 9, 11, 8], 3, 2, 'same'],
    [[3, 10, 7, 8], 3, 1, 'valid'],
    [[4, 1, 15, 8], 1, 1, 'valid'],
  ];
  it.each(cases)('maxPool x=%j pool=%i stride=%i %s', async (shape, pool, stride, pad) => {
    const f = () => {
      const x = tf.tensor4d(random(shape, 7), shape);
      const yShape = tf.maxPool(x, pool, stride, pad).shape;
      const probe = tf.tensor(random(yShape, 8), yShape);
      return [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, pool, stride, pad), probe)))(x),
      ];
    };
    await expectSameOnBothBackends(f, 1e-6);
  });

  it('maxPool sends the gradient of a tied window to its first maximum, like cpu', async () => {
    // ReLU outputs are full of tied zeros; the tie-break decides which input gets the gradient.
    const f = () => {
      const x = tf.relu(tf.tensor4d(random([2, 6, 6, 3], 9), [2, 6, 6, 3]));
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)];
    };
    await expectSameOnBothBackends(f, 0);
  });

  it('avgPool gradient (native on wasm) matches cpu', async () => {
    const f = () => {
      const x = tf.tensor4d(random([3, 9, 7, 4], 10), [3, 9, 7, 4]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.avgPool(a as tf.Tensor4D, 3, 2, 'same'))))(x)];
    };
    await expectSameOnBothBackends(f, 1e-5);
  });
});

describe('overridden data-movement kernels match cpu exactly', () => {
  it('Tile for float32, int32 and bool, broadcast-shaped and general reps', async () => {
    const cases: [number[], number[]][] = [
      [
        [1, 1, 1, 16],
        [32, 7, 5, 1],
      ],
      [
        [3, 1, 4],
        [2, 5, 3],
      ],
      [
        [2, 3],
        [1, 1],
      ],
      [[4], [9]],
      [
        [5, 1],
        [1, 40],
      ],
      [[], []],
      [
        [2, 3, 1, 2],
        [2, 1, 4, 3],
      ],
    ];
    for (const [shape, reps] of cases) {
      const f = () => {
        const x = tf.tensor(random(shape, 11), shape);
        return [
          tf.tile(x, reps),
          tf.tile(tf.cast(tf.mul(x, 100), 'int32'), reps),
          tf.tile(tf.greater(x, 0), reps),
        ];
      };
      await expectSameOnBothBackends(f, 0);
    }
  });

  it('Slice, Unpack, SplitV and StridedSlice on several ranks and axes', async () => {
    const f = () => {
      const x3 = tf.tensor3d(random([4, 5, 6], 12), [4, 5, 6]);
      const x5 = tf.tensor(random([2, 3, 4, 5, 6], 13), [2, 3, 4, 5, 6]);
      const xi = tf.cast(tf.mul(x3, 50), 'int32');
      return [
        tf.slice(x3, [1, 2, 3], [2, 3, 2]),
        tf.slice(x3, [1, 0, 0], [2, 5, 6]),
        tf.slice(x5, [1, 0, 1, 2, 3], [1, 3, 2, 3, 2]),
        tf.slice(xi, [0, 1, 0], [4, 3, 6]),
        ...tf.unstack(x3, 1),
        ...tf.unstack(x5, 4),
        ...tf.unstack(xi, 0),
        ...tf.split(x3, [1, 3, 2], 2),
        ...tf.split(x3, 2, 0),
        tf.stridedSlice(x3, [1, 0, 1], [3, 5, 6], [1, 2, 2]),
        tf.stridedSlice(x3, [0, 0, 0], [2, 5, 6], [1, 1, 1]),
      ];
    };
    await expectSameOnBothBackends(f, 0);
  });

  it('Identity shares the buffer yet outlives its source', async () => {
    await initTrainingBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('overridden arithmetic kernels match cpu', () => {
  it('Sum and Mean over leading, trailing and mixed axes, float32 and int32', async () => {
    const f = () => {
      const x = tf.tensor4d(random([6, 20, 30, 16], 14), [6, 20, 30, 16]);
      const xi = tf.cast(tf.mul(x, 10), 'int32');
      return [
        tf.sum(x, [0, 1, 2]),
        tf.mean(x, [0, 1, 2], true),
        tf.sum(x, [0, 1]),
        tf.mean(x, 0),
        tf.sum(x),
        tf.sum(x, [1, 2]),
        tf.mean(x, -1),
        tf.sum(x, [2, 0, 1]),
        tf.sum(xi, [0, 1, 2]),
      ];
    };
    await expectSameOnBothBackends(f, 1e-5);
  });

  it('BatchMatMul with every transpose combination, 2-D and batch-1 3-D', async () => {
    const f = () => {
      const out: tf.Tensor[] = [];
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = tf.tensor2d(random([37, 19], 15), ta ? [19, 37] : [37, 19]);
        const b = tf.tensor2d(random([19, 23], 16), tb ? [23, 19] : [19, 23]);
        out.push(tf.matMul(a, b, ta, tb));
        out.push(tf.matMul(tf.expandDims(a, 0), tf.expandDims(b, 0), ta, tb));
      }
      const a3 = tf.tensor3d(random([3, 5, 7], 17), [3, 5, 7]);
      const b3 = tf.tensor3d(random([3, 6, 7], 18), [3, 6, 7]);
      out.push(tf.matMul(a3, b3, false, true)); // batch 3: native path
      // Gradients of a dense layer: both transposed products.
      const x = tf.tensor2d(random([8, 12], 19), [8, 12]);
      const w = tf.tensor2d(random([12, 5], 20), [12, 5]);
      out.push(
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.tanh(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D))),
        )([x, w]),
      );
      return out;
    };
    await expectSameOnBothBackends(f, 1e-5);
  });

  it('BatchMatMul flushes magnitudes below FLUSH_BELOW without touching its inputs', async () => {
    await initTrainingBackend('wasm');
    const tiny = FLUSH_BELOW / 10;
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([tiny, 1, -tiny, 1e-20], [2, 2]);
    for (const [ta, tb] of [
      [false, false],
      [false, true],
    ] as const) {
      const product = tf.matMul(a, b, ta, tb);
      const expected = tf.matMul(a, tf.tensor2d([0, 1, 0, 1e-20], [2, 2]), ta, tb);
      expect(Array.from(product.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([product, expected]);
    }
    // Subnormal outputs of normal inputs are flushed too.
    const under = tf.matMul(tf.tensor2d([1e-20], [1, 1]), tf.tensor2d([1e-20], [1, 1]));
    expect(under.dataSync()[0]).toBe(0);
    expect(Array.from(b.dataSync())).toEqual(Array.from(new Float32Array([tiny, 1, -tiny, 1e-20])));
    tf.dispose([a, b, under]);
  });
});
