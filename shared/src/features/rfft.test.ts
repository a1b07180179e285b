import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RealPowerSpectrum } from './rfft.ts';

/** Naive DFT power, the definition itself. */
function naivePower(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('RealPowerSpectrum', () => {
  it('matches a naive DFT for random windowed frames of any length up to the FFT size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 64, 512),
        fc.integer({ min: 1, max: 512 }),
        fc.integer({ min: 1, max: 1e9 }),
        (size, lenRaw, seed) => {
          const length = Math.min(lenRaw, size);
          const x = new Float32Array(size);
          let s = seed;
          for (let i = 0; i < size; i++) {
            s = (s * 1103515245 + 12345) % 2147483648;
            x[i] = s / 2147483648 - 0.5;
          }
          const w = new Float64Array(length).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length));
          const framed = new Float64Array(size);
          for (let i = 0; i < length; i++) framed[i] = x[i]! * w[i]!;
          const expected = naivePower(framed, size);
          const out = new Float64Array(size / 2 + 1);
          new RealPowerSpectrum(size).power(x, 0, w, length, out);
          for (let k = 0; k <= size / 2; k++) expect(out[k]).toBeCloseTo(expected[k]!, 8);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('puts a bin-centred cosine entirely in its bin, including DC and Nyquist', () => {
    for (const k0 of [0, 5, 128, 256]) {
      const x = new Float32Array(512).map((_, i) => Math.cos((2 * Math.PI * k0 * i) / 512));
      const out = new Float64Array(257);
      new RealPowerSpectrum(512).power(x, 0, new Float64Array(512).fill(1), 512, out);
      const peak = k0 === 0 || k0 === 256 ? 512 * 512 : 256 * 256;
      expect(out[k0]).toBeCloseTo(peak, 3);
      for (let k = 0; k <= 256; k++) if (k !== k0) expect(out[k]).toBeLessThan(1e-6);
    }
  });
});
