import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError, type AudioErrorCode } from '../errors.ts';
import {
  bytesPerSample,
  decodePcm,
  decodePcmFrame,
  encodePcm,
  isPcmEncoding,
  MAX_PCM_CHANNELS,
  PCM_ENCODINGS,
  type PcmEncoding,
} from './pcm.ts';

function expectAudioError(fn: () => unknown, code: AudioErrorCode, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AudioError);
  expect((caught as AudioError).code).toBe(code);
  if (message) expect((caught as AudioError).message).toMatch(message);
}

/** Copies `bytes` into a fresh buffer so that the copy starts at `offset` bytes into it. */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = new Uint8Array(new ArrayBuffer(bytes.length + offset + 3), offset, bytes.length);
  copy.set(bytes);
  return copy;
}

/** Raw bytes of a float array, so that comparisons see -0, NaN payloads and every bit. */
function bitsOf(samples: Float32Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

function f32Bytes(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
  return new Uint8Array(view.buffer);
}

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_INT16 = Int32Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_INT16_AS_FLOAT = Float32Array.from(ALL_INT16, (v) => v / 32768);

// Independent transcriptions of the ITU-T G.191 reference (g711.c), loop-based as in the original,
// so the table- and clz32-based implementation is checked against different code.
function refUlawCompress(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const code = ((8 - segno) << 4) | (15 - ((absno >> segno) & 15));
  return x >= 0 ? code | 0x80 : code;
}

function refUlawExpand(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const exponent = (~code >> 4) & 7;
  const step = 4 << (exponent + 1);
  // `| 0` keeps the C short semantics of the original: there is no negative zero.
  return (sign * ((0x80 << exponent) + step * (~code & 15) + step / 2 - 4 * 33)) | 0;
}

function refAlawCompress(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix = ix - 16 + (iexp << 4);
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

function refAlawExpand(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 15;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 8;
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

/** Width, in 16-bit linear units, of the G.711 quantisation interval that `code` reconstructs. */
function quantStep(encoding: 'mulaw' | 'alaw', code: number): number {
  if (encoding === 'mulaw') return 8 << ((~code >> 4) & 7);
  // A-law segments 0 and 1 share one step; each later segment doubles it.
  return 16 << Math.max((((code ^ 0x55) >> 4) & 7) - 1, 0);
}

const G711 = [
  { encoding: 'mulaw', compress: refUlawCompress, expand: refUlawExpand, max: 32124 },
  { encoding: 'alaw', compress: refAlawCompress, expand: refAlawExpand, max: 32256 },
] as const;

describe('encodings', () => {
  it('knows the sample size of each encoding', () => {
    expect(PCM_ENCODINGS.map(bytesPerSample)).toEqual([2, 4, 1, 1]);
  });

  it('recognises exactly the supported encoding names', () => {
    expect(PCM_ENCODINGS.every(isPcmEncoding)).toBe(true);
    for (const other of ['opus', 'PCM_S16LE', 'ulaw', '', 16, null, undefined]) {
      expect(isPcmEncoding(other)).toBe(false);
    }
  });

  it('rejects an unknown encoding smuggled past the type system', () => {
    const opus = 'opus' as PcmEncoding;
    expectAudioError(() => bytesPerSample(opus), 'UNSUPPORTED_ENCODING', /opus/);
    expectAudioError(() => decodePcm(new Uint8Array(4), opus), 'UNSUPPORTED_ENCODING');
    expectAudioError(() => decodePcmFrame(new Uint8Array(4), opus, 1), 'UNSUPPORTED_ENCODING');
    expectAudioError(() => encodePcm(new Float32Array(4), opus), 'UNSUPPORTED_ENCODING');
  });
});

describe('pcm_s16le', () => {
  it('decodes little-endian two-complement values over 32768', () => {
    const bytes = Uint8Array.of(0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff, 0xff, 0x00, 0x00, 0x34, 0x12);
    const expected = [-32768, 32767, 1, -1, 0, 0x1234].map((v) => v / 32768);
    expect(Array.from(decodePcm(bytes, 'pcm_s16le'))).toEqual(expected);
  });

  it('round-trips every int16 value exactly', () => {
    const decoded = decodePcm(encodePcm(ALL_INT16_AS_FLOAT, 'pcm_s16le'), 'pcm_s16le');
    expect(bitsOf(decoded)).toEqual(bitsOf(ALL_INT16_AS_FLOAT));
  });

  it('round-trips arbitrary int16 byte streams bit for bit', () => {
    fc.assert(
      fc.property(fc.int16Array({ minLength: 1, maxLength: 300 }), (ints) => {
        const bytes = new Uint8Array(ints.buffer);
        expect(encodePcm(decodePcm(bytes, 'pcm_s16le'), 'pcm_s16le')).toEqual(bytes);
      }),
    );
  });

  it('rounds to the nearest step, halves up, and saturates instead of wrapping', () => {
    const samples = Float32Array.of(1, -1, 2, -3, 0.4 / 32768, 0.5 / 32768, -0.5 / 32768, -0.6 / 32768);
    const bytes = encodePcm(samples, 'pcm_s16le');
    const ints = Array.from({ length: samples.length }, (_, i) =>
      new DataView(bytes.buffer).getInt16(i * 2, true),
    );
    expect(ints).toEqual([32767, -32768, 32767, -32768, 0, 1, 0, -1]);
  });

  it('encodes any in-range float to within half a step', () => {
    fc.assert(
      fc.property(fc.float({ min: -1, max: Math.fround(32767 / 32768), noNaN: true }), (x) => {
        const y = decodePcm(encodePcm(Float32Array.of(x), 'pcm_s16le'), 'pcm_s16le')[0]!;
        expect(Math.abs(y - x)).toBeLessThanOrEqual(0.5 / 32768);
      }),
    );
  });
});

describe('pcm_f32le', () => {
  it('round-trips every finite float bit for bit, including -0 and values beyond [-1, 1]', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: 1, maxLength: 200, noNaN: true, noDefaultInfinity: true }),
        (xs) => {
          const decoded = decodePcm(encodePcm(xs, 'pcm_f32le'), 'pcm_f32le');
          expect(bitsOf(decoded)).toEqual(bitsOf(xs));
        },
      ),
    );
  });

  it('keeps finite over-range values rather than clipping them', () => {
    const decoded = decodePcm(f32Bytes([1.5, -7, 0.25, 3.4e38]), 'pcm_f32le');
    expect(Array.from(decoded)).toEqual([1.5, -7, 0.25, Math.fround(3.4e38)]);
  });

  it('rejects the first NaN or infinity, of either sign and any payload, naming its index', () => {
    const nonFinite = fc.constantFrom(0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff, 0x7f800000, 0xff800000);
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 }),
        fc.nat(),
        nonFinite,
        fc.nat(7),
        (values, at, bits, offset) => {
          const index = at % values.length;
          const bytes = f32Bytes(values);
          new DataView(bytes.buffer).setUint32(index * 4, bits, true);
          expectAudioError(
            () => decodePcm(atOffset(bytes, offset), 'pcm_f32le'),
            'NON_FINITE_SAMPLE',
            new RegExp(`sample ${index} is (NaN|-?Infinity)$`),
          );
        },
      ),
    );
  });
});

describe('G.711', () => {
  it('decodes reference values from the G.711 tables', () => {
    const mulaw = decodePcm(Uint8Array.of(0xff, 0x7f, 0x00, 0x80, 0xfe, 0x7e, 0xef), 'mulaw');
    expect(Array.from(mulaw, (v) => v * 32768)).toEqual([0, 0, -32124, 32124, 8, -8, 132]);
    const alaw = decodePcm(Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a, 0xd4, 0x80), 'alaw');
    expect(Array.from(alaw, (v) => v * 32768)).toEqual([8, -8, 32256, -32256, 24, 5504]);
  });

  it('encodes full scale to the largest code of each sign', () => {
    expect(Array.from(encodePcm(Float32Array.of(1, -1, 0), 'mulaw'))).toEqual([0x80, 0x00, 0xff]);
    expect(Array.from(encodePcm(Float32Array.of(1, -1, 0), 'alaw'))).toEqual([0xaa, 0x2a, 0xd5]);
  });

  it('encodes tiny negative input as mu-law negative zero, which decodes to 0 like 0xFF', () => {
    const codes = encodePcm(Float32Array.of(-1 / 32768, -4 / 32768, -5 / 32768), 'mulaw');
    expect(Array.from(codes)).toEqual([0x7f, 0x7f, 0x7e]);
    expect(bitsOf(decodePcm(Uint8Array.of(0x7f), 'mulaw'))).toEqual(bitsOf(Float32Array.of(0)));
  });

  for (const { encoding, compress, expand, max } of G711) {
    describe(encoding, () => {
      it('decodes all 256 codes as the G.191 reference does', () => {
        const decoded = Array.from(decodePcm(ALL_CODES, encoding), (v) => v * 32768);
        expect(decoded).toEqual(Array.from(ALL_CODES, expand));
      });

      it('encodes every int16 value as the G.191 reference does', () => {
        expect(Array.from(encodePcm(ALL_INT16_AS_FLOAT, encoding))).toEqual(Array.from(ALL_INT16, compress));
      });

      it('re-encodes every decoded code to itself, except mu-law negative zero', () => {
        const reencoded = encodePcm(decodePcm(ALL_CODES, encoding), encoding);
        const expected = Array.from(ALL_CODES, (c) => (encoding === 'mulaw' && c === 0x7f ? 0xff : c));
        expect(Array.from(reencoded)).toEqual(expected);
      });

      it('is monotonic: a larger input never decodes smaller', () => {
        const decoded = decodePcm(encodePcm(ALL_INT16_AS_FLOAT, encoding), encoding);
        for (let i = 1; i < decoded.length; i++) {
          if (decoded[i]! < decoded[i - 1]!)
            expect.fail(`input ${ALL_INT16[i]} decodes below its predecessor`);
        }
      });

      it('quantises any float to within half a G.711 step, or to full scale on overload', () => {
        fc.assert(
          fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (x) => {
            const code = encodePcm(Float32Array.of(x), encoding)[0]!;
            const y = decodePcm(Uint8Array.of(code), encoding)[0]! * 32768;
            const linear = Math.min(Math.round(x * 32768), 32767);
            const withinStep = Math.abs(y - linear) <= quantStep(encoding, code) / 2;
            const overload =
              Math.abs(y) === max && Math.abs(linear) >= max && Math.sign(y) === Math.sign(linear);
            expect(withinStep || overload, `x=${x} linear=${linear} code=${code} y=${y}`).toBe(true);
          }),
          { numRuns: 2000 },
        );
      });
    });
  }
});

describe('unaligned input', () => {
  const payloads: Record<PcmEncoding, fc.Arbitrary<Uint8Array>> = {
    pcm_s16le: fc.uint8Array({ minLength: 1, maxLength: 100 }).map((b) => b.subarray(0, b.length & ~1)),
    pcm_f32le: fc
      .float32Array({ minLength: 1, maxLength: 50, noNaN: true, noDefaultInfinity: true })
      .map((xs) => new Uint8Array(xs.buffer)),
    mulaw: fc.uint8Array({ minLength: 1, maxLength: 100 }),
    alaw: fc.uint8Array({ minLength: 1, maxLength: 100 }),
  };

  for (const encoding of PCM_ENCODINGS) {
    it(`decodes ${encoding} at any byteOffset exactly as when aligned`, () => {
      fc.assert(
        fc.property(
          payloads[encoding].filter((b) => b.length > 0),
          fc.integer({ min: 1, max: 7 }),
          (bytes, offset) => {
            const unaligned = atOffset(bytes, offset);
            expect(unaligned.byteOffset % 8).toBe(offset);
            expect(bitsOf(decodePcm(unaligned, encoding))).toEqual(bitsOf(decodePcm(bytes, encoding)));
          },
        ),
      );
    });
  }

  it('accepts a Node Buffer sliced at an odd offset, as ws delivers them', () => {
    const expected = Float32Array.of(0.5, -0.25, 1.5);
    const pool = Buffer.alloc(64);
    pool.set(encodePcm(expected, 'pcm_f32le'), 13);
    const message = pool.subarray(13, 25);
    expect(Array.from(decodePcm(message, 'pcm_f32le'))).toEqual(Array.from(expected));
  });
});

describe('length validation', () => {
  it('rejects empty input for every encoding', () => {
    for (const encoding of PCM_ENCODINGS) {
      expectAudioError(() => decodePcm(new Uint8Array(0), encoding), 'EMPTY_INPUT');
      expectAudioError(() => decodePcmFrame(new Uint8Array(0), encoding, 2), 'EMPTY_INPUT');
    }
  });

  it('rejects a byte count that is not a whole number of samples, saying why', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PcmEncoding>('pcm_s16le', 'pcm_f32le'),
        fc.integer({ min: 1, max: 99 }),
        (enc, n) => {
          const size = bytesPerSample(enc);
          fc.pre(n % size !== 0);
          expectAudioError(
            () => decodePcm(new Uint8Array(n), enc),
            'ODD_BYTE_COUNT',
            new RegExp(`\\b${n} bytes\\b.*\\(${size} bytes each\\)`),
          );
        },
      ),
    );
  });
});

describe('decodePcmFrame', () => {
  it('rejects channel counts outside 1..MAX_PCM_CHANNELS or not integers', () => {
    for (const channels of [0, -1, MAX_PCM_CHANNELS + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectAudioError(() => decodePcmFrame(new Uint8Array(48), 'mulaw', channels), 'BAD_CHANNEL_COUNT');
    }
  });

  it('accepts a message exactly when it holds whole frames for every channel', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PCM_ENCODINGS),
        fc.integer({ min: 1, max: MAX_PCM_CHANNELS }),
        fc.integer({ min: 1, max: 80 }),
        (encoding, channels, length) => {
          // All-zero bytes are a valid sample in every encoding, so only the length can be at fault.
          const message = new Uint8Array(length);
          const size = bytesPerSample(encoding);
          if (length % (size * channels) === 0) {
            expect(decodePcmFrame(message, encoding, channels).length).toBe(length / size);
          } else {
            expectAudioError(() => decodePcmFrame(message, encoding, channels), 'ODD_BYTE_COUNT', /channel/);
          }
        },
      ),
    );
  });

  it('keeps samples interleaved in arrival order', () => {
    const interleaved = Float32Array.of(0.5, -0.5, 0.25, -0.25);
    const bytes = encodePcm(interleaved, 'pcm_s16le');
    expect(Array.from(decodePcmFrame(bytes, 'pcm_s16le', 2))).toEqual(Array.from(interleaved));
  });
});

describe('output buffer', () => {
  const bytes = Uint8Array.of(0xff, 0x80, 0x00);

  it('fills and returns a buffer of exactly the right size', () => {
    const out = new Float32Array(3).fill(9);
    expect(decodePcm(bytes, 'mulaw', out)).toBe(out);
    expect(Array.from(out, (v) => v * 32768)).toEqual([0, 32124, -32124]);
  });

  it('returns a prefix view of a larger buffer and leaves the rest alone', () => {
    const out = new Float32Array(5).fill(9);
    const result = decodePcmFrame(bytes, 'mulaw', 1, out);
    expect(result.buffer).toBe(out.buffer);
    expect(result.length).toBe(3);
    expect(Array.from(out.subarray(3))).toEqual([9, 9]);
  });

  it('throws a RangeError for a buffer that is too small', () => {
    expect(() => decodePcm(bytes, 'mulaw', new Float32Array(2))).toThrow(RangeError);
  });
});

describe('encodePcm', () => {
  it('produces nothing from nothing', () => {
    for (const encoding of PCM_ENCODINGS) expect(encodePcm(new Float32Array(0), encoding).length).toBe(0);
  });

  it('refuses NaN and infinities of either sign, naming the index', () => {
    for (const encoding of PCM_ENCODINGS) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const samples = Float32Array.of(0, 0.5, bad, 0);
        expectAudioError(() => encodePcm(samples, encoding), 'NON_FINITE_SAMPLE', /sample 2\b/);
      }
    }
  });
});
