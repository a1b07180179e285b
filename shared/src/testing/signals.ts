/** Synthetic test signals shared by the DSP tests. */

/** A sine of `hz` at `rate`, `n` samples long. */
export function tone(rate: number, hz: number, n: number, amp = 0.5): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
  return x;
}

/** Two tones plus deterministic white noise, so that every filter tap and every phase matters. */
export function testSignal(rate: number, n: number): Float32Array {
  const x = new Float32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] =
      0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) +
      0.2 * Math.sin((2 * Math.PI * 3100 * i) / rate) +
      0.2 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

/** Index of the first sample that differs bit for bit (lengths first), or -1. */
export function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Least-squares fit of a sinusoid of known frequency over [from, to): y[i] ~ amp * sin(2 pi hz i / rate + phase). */
export function fitTone(
  y: Float32Array,
  rate: number,
  hz: number,
  from: number,
  to: number,
): { amp: number; phase: number } {
  let ss = 0;
  let cc = 0;
  let sc = 0;
  let ys = 0;
  let yc = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * hz * i) / rate;
    const s = Math.sin(w);
    const c = Math.cos(w);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    ys += y[i]! * s;
    yc += y[i]! * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  return { amp: Math.hypot(a, b), phase: Math.atan2(b, a) };
}

/** White noise, uniform in [-amp/2, amp/2] (a Lehmer sequence from `seed`, so fixed per seed). */
export function whiteNoise(n: number, amp: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return amp * (s / 2147483647 - 0.5);
  });
}

/**
 * 8 kHz to 16 kHz the way a cheap gateway does it, without a filter: each sample, then the mean of it
 * and the next (linear interpolation; the last sample is followed by 0).
 */
export function linearUpsample2x(y: Float32Array): Float32Array {
  const out = new Float32Array(2 * y.length);
  for (let i = 0; i < y.length; i++) {
    out[2 * i] = y[i]!;
    out[2 * i + 1] = 0.5 * (y[i]! + (y[i + 1] ?? 0));
  }
  return out;
}
