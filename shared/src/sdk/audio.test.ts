import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePcm, PCM_ENCODINGS } from '../audio/pcm.ts';
import { AudioError } from '../errors.ts';
import { chunkBytes, encodeAudio, frameBytes } from './audio.ts';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('encodeAudio', () => {
  it('encodes floats with the shared PCM encoder', () => {
    const samples = new Float32Array([0, 0.5, -0.5, 1, -1, 0.25]);
    for (const encoding of PCM_ENCODINGS) {
      expect(encodeAudio(samples, encoding, 2)).toEqual(encodePcm(samples, encoding));
    }
  });

  it('writes Int16 as little-endian s16 exactly, and converts it for other encodings', () => {
    const samples = new Int16Array([0, 1, -1, 32767, -32768, 258]);
    expect([...encodeAudio(samples, 'pcm_s16le', 1)]).toEqual([0, 0, 1, 0, 255, 255, 255, 127, 0, 128, 2, 1]);
    const floats = Float32Array.from(samples, (s) => s / 32768);
    for (const encoding of ['mulaw', 'alaw', 'pcm_f32le'] as const) {
      expect(encodeAudio(samples, encoding, 1)).toEqual(encodePcm(floats, encoding));
    }
  });

  it('passes bytes through unchanged', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(encodeAudio(bytes, 'pcm_s16le', 2)).toBe(bytes);
    expect(encodeAudio(bytes, 'mulaw', 1)).toBe(bytes);
  });

  it('rejects partial frames and non-finite samples', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof AudioError ? e.code : String(e);
      }
      return 'no error';
    };
    expect(code(() => encodeAudio(new Uint8Array(3), 'pcm_s16le', 1))).toBe('ODD_BYTE_COUNT');
    expect(code(() => encodeAudio(new Uint8Array(4), 'pcm_f32le', 2))).toBe('ODD_BYTE_COUNT');
    expect(code(() => encodeAudio(new Float32Array(3), 'pcm_s16le', 2))).toBe('ODD_BYTE_COUNT');
    expect(code(() => encodeAudio(new Int16Array(5), 'mulaw', 2))).toBe('ODD_BYTE_COUNT');
    expect(code(() => encodeAudio(new Float32Array([Number.NaN]), 'pcm_f32le', 1))).toBe('NON_FINITE_SAMPLE');
  });
});

describe('chunkBytes', () => {
  it('splits into messages of whole frames within the limit whose concatenation is the whole', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PCM_ENCODINGS),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(3000),
        fc.integer({ min: 32, max: 4096 }),
        (encoding, channels, frames, limit) => {
          const size = frameBytes(encoding, channels);
          const samples = new Float32Array(frames * channels).map((_, i) => Math.sin(i) * 0.9);
          const bytes = encodeAudio(samples, encoding, channels);
          const messages = [...chunkBytes(bytes, size, limit)];
          for (const m of messages) {
            expect(m.length).toBeGreaterThan(0);
            expect(m.length).toBeLessThanOrEqual(limit);
            expect(m.length % size).toBe(0);
          }
          // Every message but the last is as full as whole frames allow.
          for (const m of messages.slice(0, -1)) expect(m.length).toBe(Math.floor(limit / size) * size);
          expect(concat(messages)).toEqual(encodePcm(samples, encoding));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('yields nothing for empty audio and refuses a limit below one frame', () => {
    expect([...chunkBytes(new Uint8Array(0), 4, 100)]).toEqual([]);
    expect(() => [...chunkBytes(new Uint8Array(32), 32, 31)]).toThrow(RangeError);
    expect(() => [...chunkBytes(new Uint8Array(6), 4, 100)]).toThrow(RangeError);
  });
});
