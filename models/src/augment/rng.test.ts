import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

/** Reference xoshiro128** in BigInt arithmetic, straight from Blackman & Vigna's C code. */
function referenceXoshiro(state: bigint[], n: number): number[] {
  const m = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & m;
  const s = [...state];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Number((rotl((s[1]! * 5n) & m, 7n) * 9n) & m));
    const t = (s[1]! << 9n) & m;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11n);
  }
  return out;
}

describe('Rng', () => {
  it('implements xoshiro128** exactly', () => {
    const rng = new Rng(0);
    const state = [1, 2, 3, 0xdeadbeef];
    Object.assign(rng, { s0: state[0]! | 0, s1: state[1]! | 0, s2: state[2]! | 0, s3: state[3]! | 0 });
    expect(draws(rng, 1000)).toEqual(referenceXoshiro(state.map(BigInt), 1000));
  });

  it('same seed gives the same stream, different seeds different streams', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.oneof(fc.integer(), fc.string()), (a, b) => {
        expect(draws(new Rng(a), 8)).toEqual(draws(new Rng(a), 8));
        if (a !== b) expect(draws(new Rng(a), 8)).not.toEqual(draws(new Rng(b), 8));
      }),
    );
    expect(draws(new Rng(1), 4)).not.toEqual(draws(new Rng('1'), 4));
    expect(draws(new Rng(2 ** 40), 4)).not.toEqual(draws(new Rng(0), 4));
    expect(() => new Rng(1.5)).toThrow(TypeError);
  });

  it('fork depends on the seed and the label only, and leaves the parent alone', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    draws(b, 100);
    expect(draws(a.fork('noise'), 16)).toEqual(draws(b.fork('noise'), 16));
    expect(draws(a.fork('noise'), 16)).not.toEqual(draws(a.fork('speed'), 16));
    expect(draws(a.fork('x').fork('y'), 4)).not.toEqual(draws(a.fork('y').fork('x'), 4));
    const c = new Rng(7);
    c.fork('noise').next();
    expect(draws(c, 8)).toEqual(draws(new Rng(7), 8));
  });

  it('split advances the parent, so successive children differ but replay from the seed', () => {
    const a = new Rng(3);
    const first = draws(a.split(), 8);
    const second = draws(a.split(), 8);
    expect(first).not.toEqual(second);
    const b = new Rng(3);
    expect(draws(b.split(), 8)).toEqual(first);
  });

  it('draws lie in their ranges', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (seed, a, w) => {
          const rng = new Rng(seed);
          for (let i = 0; i < 50; i++) {
            const u = rng.next();
            expect(u >= 0 && u < 1).toBe(true);
            const v = rng.uniform(a, a + w + 1);
            expect(v >= a && v < a + w + 1).toBe(true);
            const k = rng.int(a, a + w);
            expect(Number.isInteger(k) && k >= a && k <= a + w).toBe(true);
          }
        },
      ),
    );
    expect(() => new Rng(1).int(3, 2)).toThrow(TypeError);
    expect(() => new Rng(1).pick([])).toThrow(RangeError);
  });

  it('has the right moments', () => {
    const rng = new Rng('moments');
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
      counts[rng.int(0, 5)]!++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(s2 / n).toBeCloseTo(1, 1);
    expect(s4 / n).toBeCloseTo(3, 0); // kurtosis of a Gaussian
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.005);
    let b = 0;
    for (let i = 0; i < 20_000; i++) b += rng.beta(2, 6);
    expect(b / 20_000).toBeCloseTo(0.25, 2);
    let g = 0;
    for (let i = 0; i < 20_000; i++) g += rng.gamma(0.3);
    expect(g / 20_000).toBeCloseTo(0.3, 1);
  });

  it('pick covers every element', () => {
    const rng = new Rng(11);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(['a', 'b', 'c']));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });
});
