import decode from 'audio-decode';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../errors.ts';
import { encodeWav, readWavHeader, type WavEncodeOptions } from './wav.ts';

const FORMATS: WavEncodeOptions[] = [
  { bitDepth: 8 },
  { bitDepth: 16 },
  { bitDepth: 24 },
  { bitDepth: 32 },
  { bitDepth: 32, float: true },
  { bitDepth: 64, float: true },
];

/** Largest round-trip error: half a quantisation step, plus float32 rounding of the decoded value. */
function tolerance({ bitDepth, float }: WavEncodeOptions): number {
  return float ? 0 : 0.5 / (2 ** (bitDepth - 1) - 1) + 2 ** -24;
}

describe('encodeWav', () => {
  it('round-trips through an independent decoder for every depth, channel count and rate', async () => {
    const input = fc.record({
      format: fc.constantFrom(...FORMATS),
      channels: fc.integer({ min: 1, max: 6 }),
      rate: fc.constantFrom(8000, 16000, 22050, 44100, 48000, 96000),
      frames: fc.integer({ min: 1, max: 300 }),
      seed: fc.float32Array({ minLength: 1, maxLength: 64, min: -1, max: 1, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ format, channels, rate, frames, seed }) => {
        const x = new Float32Array(frames * channels);
        for (let i = 0; i < x.length; i++) x[i] = seed[i % seed.length]!;
        const bytes = encodeWav(x, rate, { ...format, channels });
        const { channelData, sampleRate } = await decode(bytes);
        expect(sampleRate).toBe(rate);
        expect(channelData.length).toBe(channels);
        const tol = tolerance(format);
        for (let c = 0; c < channels; c++) {
          const ch = channelData[c]!;
          expect(ch.length).toBe(frames);
          for (let i = 0; i < frames; i++)
            expect(Math.abs(ch[i]! - x[i * channels + c]!)).toBeLessThanOrEqual(tol);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('writes a header readWavHeader and the RIFF rules agree with', () => {
    const bytes = encodeWav(new Float32Array(7), 44100, { bitDepth: 8 });
    // 7 one-byte samples need a pad byte to keep the RIFF chunk word-aligned.
    expect(bytes.length).toBe(44 + 7 + 1);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(bytes.length - 8);
    expect(readWavHeader(bytes)).toEqual({
      encoding: 'pcm',
      formatTag: 1,
      channels: 1,
      sampleRate: 44100,
      bitDepth: 8,
      dataOffset: 44,
      dataBytes: 7,
    });
    const float = encodeWav(new Float32Array(4), 48000, { bitDepth: 32, float: true, channels: 2 });
    expect(readWavHeader(float)).toMatchObject({
      encoding: 'float',
      channels: 2,
      bitDepth: 32,
      dataBytes: 16,
    });
  });

  it('clips values outside [-1, 1] and writes 8-bit as unsigned', () => {
    const bytes = encodeWav(new Float32Array([-2, -1, 0, 1, 2]), 8000, { bitDepth: 8 });
    expect([...bytes.subarray(44, 49)]).toEqual([0, 0, 128, 255, 255]);
  });

  it('rejects impossible options and samples with their codes', () => {
    const x = new Float32Array(6);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof AudioError ? e.code : 'not an AudioError';
      }
      return 'no error';
    };
    expect(code(() => encodeWav(x, 16000, { bitDepth: 16, float: true }))).toBe('BAD_OPTIONS');
    expect(code(() => encodeWav(x, 16000, { bitDepth: 64 }))).toBe('BAD_OPTIONS');
    expect(code(() => encodeWav(x, 0, { bitDepth: 16 }))).toBe('BAD_OPTIONS');
    expect(code(() => encodeWav(x, 16000, { bitDepth: 16, channels: 4 }))).toBe('BAD_CHANNEL_COUNT');
    expect(code(() => encodeWav(new Float32Array([0, Number.NaN]), 16000, { bitDepth: 16 }))).toBe(
      'NON_FINITE_SAMPLE',
    );
  });
});

describe('readWavHeader', () => {
  it('returns undefined for bytes that are not a well-formed WAV', () => {
    expect(readWavHeader(new Uint8Array(0))).toBeUndefined();
    expect(readWavHeader(new TextEncoder().encode('RIFF\0\0\0\0WAVEdata\0\0\0\0'))).toBeUndefined();
    expect(readWavHeader(new TextEncoder().encode('fLaC and then some'))).toBeUndefined();
  });

  it('reports an unknown data size (0 or 0xFFFFFFFF, left by streaming writers) as undefined', () => {
    const bytes = encodeWav(new Float32Array(10), 16000, { bitDepth: 16 });
    const view = new DataView(bytes.buffer);
    for (const size of [0, 0xffffffff]) {
      view.setUint32(40, size, true);
      expect(readWavHeader(bytes)?.dataBytes).toBeUndefined();
    }
  });
});
