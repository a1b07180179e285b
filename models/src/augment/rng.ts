/**
 * A small seeded pseudo-random generator for data augmentation: xoshiro128** (Blackman & Vigna) over
 * four 32-bit words, seeded through a murmur3-style hash so that any number or string is a usable seed.
 * Not cryptographic; 2^128 − 1 period, passes BigCrush, and pure 32-bit integer arithmetic, so every
 * JavaScript engine reproduces the same stream bit for bit.
 *
 * Two ways to derive streams, for two different needs:
 * - {@link Rng.fork} is a pure function of this stream's *seed key* and a label. It does not depend on,
 *   nor change, how many numbers were drawn. Use it to give every clip, epoch or worker its own stream
 *   that stays the same however the work is scheduled: `root.fork(`epoch${e}`).fork(clipId)`.
 * - {@link Rng.split} draws from this stream to seed a child. Use it when a function receives an `Rng`
 *   and must consume it, so that calling it twice with the same generator gives different results.
 *
 * @example
 * ```ts
 * const rng = new Rng(42).fork('train').fork('Actor_01/03-01-05-02-01-01-01');
 * const snrDb = rng.uniform(5, 30);
 * ```
 */

/** One 32-bit murmur3 mixing step of word `k` into hash `h`. */
function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3 finaliser: full avalanche of a 32-bit word. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a word sequence into a 128-bit key: four independently seeded murmur3 lanes. */
function deriveKey(words: readonly number[]): Uint32Array {
  const key = new Uint32Array(4);
  for (let lane = 0; lane < 4; lane++) {
    let h = Math.imul(lane + 1, 0x9e3779b9) | 0;
    for (const w of words) h = mixWord(h, w | 0);
    key[lane] = fmix(h ^ words.length);
  }
  // The all-zero state is xoshiro's one fixed point.
  if ((key[0]! | key[1]! | key[2]! | key[3]!) === 0) key[0] = 1;
  return key;
}

/** UTF-16 code units of a string as words, prefixed by a tag so `'1'` and `1` are different seeds. */
function stringWords(tag: number, s: string): number[] {
  const words = [tag, s.length];
  for (let i = 0; i < s.length; i++) words.push(s.charCodeAt(i));
  return words;
}

function seedWords(seed: number | string): number[] {
  if (typeof seed === 'string') return stringWords(0x53, seed);
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`Rng seed must be a safe integer or a string, got ${seed}`);
  }
  // Low and high halves, so seeds above 2^32 stay distinct.
  return [0x4e, seed >>> 0, Math.floor(seed / 0x1_0000_0000) | 0];
}

const INV_2_32 = 1 / 0x1_0000_0000;

/** Seeded xoshiro128** generator; see the module documentation. */
export class Rng {
  /** The initial state: the identity of this stream, from which {@link fork} derives children. */
  private readonly key: Uint32Array;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal deviate of the last Box–Muller pair, or NaN when none is pending. */
  private spare = Number.NaN;

  /** A generator seeded from a safe integer or any string. */
  constructor(seed: number | string) {
    this.key = deriveKey(seedWords(seed));
    this.s0 = this.key[0]! | 0;
    this.s1 = this.key[1]! | 0;
    this.s2 = this.key[2]! | 0;
    this.s3 = this.key[3]! | 0;
  }

  private static fromKeyWords(words: readonly number[]): Rng {
    const rng = new Rng(0);
    const key = deriveKey(words);
    rng.key.set(key);
    rng.s0 = key[0]! | 0;
    rng.s1 = key[1]! | 0;
    rng.s2 = key[2]! | 0;
    rng.s3 = key[3]! | 0;
    return rng;
  }

  /** Next raw 32-bit output, an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const m = Math.imul(this.s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() * INV_2_32;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Uniform integer in [a, b], both ends included. */
  int(a: number, b: number): number {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) {
      throw new TypeError(`Rng.int needs integers a <= b, got ${a}, ${b}`);
    }
    // Two draws give 64 bits, so the modulo bias is below 2^-11 even for ranges of 2^53.
    const u = this.nextUint32() * INV_2_32 + this.nextUint32() * INV_2_32 * INV_2_32;
    return a + Math.floor(u * (b - a + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal deviate (Box–Muller; pairs are cached, so it costs one uniform per call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return z;
    }
    // 1 − next() is in (0, 1], so the log is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Gamma(shape, 1) deviate by Marsaglia & Tsang (2000), with the shape < 1 boost. */
  gamma(shape: number): number {
    if (!(shape > 0) || !Number.isFinite(shape))
      throw new TypeError(`Rng.gamma shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * (1 - this.next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = this.normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Beta(a, b) deviate, e.g. the mixup weight with a = b = alpha. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /**
   * An independent child stream named `label`, a pure function of this stream's seed key and the label:
   * the same label always gives the same child, whatever was drawn from this stream before, and drawing
   * from the child leaves this stream untouched.
   */
  fork(label: string): Rng {
    return Rng.fromKeyWords([...this.key, ...stringWords(0x46, label)]);
  }

  /** A child stream seeded by four draws from this one: each call advances this stream and differs. */
  split(): Rng {
    return Rng.fromKeyWords([
      0x50,
      this.nextUint32(),
      this.nextUint32(),
      this.nextUint32(),
      this.nextUint32(),
    ]);
  }
}

/** Shuffles `items` in place (Fisher-Yates) with `rng` and returns it. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
