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
