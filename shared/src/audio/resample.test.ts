import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../errors.ts';
import { firstMismatch, fitTone, testSignal, tone } from '../testing/signals.ts';
import { concatSamples as concat } from './frame.ts';
import {
  type ResamplerQuality,
  resampledLength,
  resampleOffline,
  STREAMING_INPUT_RATES,
  StreamingResampler,
} from './resample.ts';

const OUT = 16000;
const CONVERTING_RATES = STREAMING_INPUT_RATES.filter((r) => r !== OUT);

async function resampleInChunks(
  x: Float32Array,
  rate: number,
  sizes: number[],
  quality?: ResamplerQuality,
): Promise<Float32Array> {
  const rs = await StreamingResampler.create({ inputRate: rate, ...(quality ? { quality } : {}) });
  const parts: Float32Array[] = [];
  for (let i = 0, k = 0; i < x.length; k++) {
    const size = sizes[k % sizes.length]!;
    expect(rs.outputSamples).toBe(parts.reduce((n, p) => n + p.length, 0));
    parts.push(rs.push(x.subarray(i, i + size)));
    i += size;
  }
  parts.push(rs.flush());
  rs.destroy();
  return concat(parts);
}

function rms(y: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i]! * y[i]!;
  return Math.sqrt(s / (to - from));
}

function zeroCrossings(y: Float32Array, from: number, to: number): number {
  let n = 0;
  for (let i = from + 1; i < to; i++) if (y[i - 1]! < 0 !== y[i]! < 0) n++;
  return n;
}

const db = (ratio: number) => 20 * Math.log10(ratio);

describe('StreamingResampler chunking invariance', () => {
  // Chunk sizes mix tiny pushes (1 to 32 samples) with pushes up to one second, so that both the
  // converter's held-back tail and the block splitting inside push() cross chunk boundaries.
  const chunkSizes = (rate: number) =>
    fc.array(fc.oneof(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: rate })), {
      minLength: 1,
      maxLength: 30,
    });

  it.each(STREAMING_INPUT_RATES)('gives bit-identical output for any chunking at %i Hz', async (rate) => {
    const x = testSignal(rate, Math.round(rate * 1.2) + 3);
    const whole = await resampleInChunks(x, rate, [x.length]);
    expect(whole.length).toBe(resampledLength(x.length, rate, OUT));
    await fc.assert(
      fc.asyncProperty(chunkSizes(rate), async (sizes) => {
        expect(firstMismatch(await resampleInChunks(x, rate, sizes), whole)).toBe(-1);
      }),
      { numRuns: 12 },
    );
  });

  it('holds for the fastest converter too', async () => {
    const x = testSignal(44100, 30000);
    const whole = await resampleInChunks(x, 44100, [x.length], 'fastest');
    expect(firstMismatch(await resampleInChunks(x, 44100, [1, 441, 3, 10000], 'fastest'), whole)).toBe(-1);
  });

  it('matches resampleOffline exactly', async () => {
    const x = testSignal(48000, 50000);
    expect(firstMismatch(await resampleOffline(x, 48000), await resampleInChunks(x, 48000, [960]))).toBe(-1);
  });
});

describe.each(['medium', 'fastest'] as const)('StreamingResampler quality (%s)', (quality) => {
  it.each(
    STREAMING_INPUT_RATES,
  )('keeps a 1 kHz tone at %i Hz: frequency, level within 0.1 dB, phase', async (rate) => {
    const y = await resampleInChunks(tone(rate, 1000, rate), rate, [rate], quality);
    const from = OUT / 10;
    const to = OUT - OUT / 10;
    // 1 kHz crosses zero 2000 times a second.
    expect(Math.abs(zeroCrossings(y, from, to) - (2000 * (to - from)) / OUT)).toBeLessThanOrEqual(2);
    const fit = fitTone(y, OUT, 1000, from, to);
    expect(Math.abs(db(fit.amp / 0.5))).toBeLessThan(0.1);
    // Phase zero means output sample i sits at input time i / 16000; one output sample is 0.39 rad.
    expect(Math.abs(fit.phase)).toBeLessThan(0.01);
    // Everything but the tone (noise, distortion, wrong frequency) is 60 dB down.
    const residual = new Float32Array(to - from);
    for (let i = from; i < to; i++) {
      residual[i - from] = y[i]! - fit.amp * Math.sin((2 * Math.PI * 1000 * i) / OUT + fit.phase);
    }
    expect(db(rms(residual, 0, residual.length) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  it.each([
    [48000, 12000],
    [44100, 12000],
    [32000, 12000],
    [24000, 10000],
    [22050, 10000],
  ])('attenuates a tone above 8 kHz by at least 60 dB (%i Hz input, %i Hz tone)', async (rate, hz) => {
    const y = await resampleInChunks(tone(rate, hz, rate), rate, [4800], quality);
    expect(db(rms(y, OUT / 10, OUT - OUT / 10) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });
});

describe('StreamingResampler alignment', () => {
  it.each(CONVERTING_RATES)('puts a click at input time t at output time t (%i Hz)', async (rate) => {
    const n = Math.round(rate * 0.5);
    const clicks = [0, Math.round(rate * 0.2) + 1, Math.round(rate * 0.37), n - 1];
    const x = new Float32Array(n);
    for (const k of clicks) x[k] = 1;
    const y = await resampleInChunks(x, rate, [160, 7, 999]);
    for (const k of clicks) {
      const expected = (k * OUT) / rate;
      let peak = Math.max(0, Math.round(expected) - 20);
      for (let i = peak; i < Math.min(y.length, Math.round(expected) + 20); i++) {
        if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
      }
      expect(Math.abs(peak - expected)).toBeLessThanOrEqual(1);
    }
  });
});

describe('StreamingResampler length', () => {
  it.each(STREAMING_INPUT_RATES)('ends with round(n * 16000 / %i) samples after flush', async (rate) => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 * rate }),
        fc.array(fc.integer({ min: 1, max: rate }), { minLength: 1, maxLength: 5 }),
        async (n, sizes) => {
          const rs = await StreamingResampler.create({ inputRate: rate });
          let got = 0;
          for (let i = 0, k = 0; i < n; k++) {
            const size = Math.min(sizes[k % sizes.length]!, n - i);
            got += rs.push(new Float32Array(size).fill(0.1)).length;
            i += size;
          }
          const pending = rs.pendingOutputSamples;
          expect(pending).toBeGreaterThanOrEqual(0);
          expect(rs.flush().length).toBe(pending);
          expect(rs.inputSamples).toBe(n);
          expect(rs.outputSamples).toBe(got + pending);
          expect(rs.outputSamples).toBe(Math.round((n * OUT) / rate));
          rs.destroy();
        },
      ),
      { numRuns: 20 },
    );
  });

  it('rounds halves up', () => {
    expect(resampledLength(1, 32000, 16000)).toBe(1);
    expect(resampledLength(3, 48000, 16000)).toBe(1);
    expect(resampledLength(1, 48000, 16000)).toBe(0);
    expect(resampledLength(0, 8000, 16000)).toBe(0);
  });
});

describe('StreamingResampler validation and lifecycle', () => {
  it.each([
    0,
    -8000,
    12000,
    96000,
    44100.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('rejects input rate %s with UNSUPPORTED_SAMPLE_RATE listing the supported rates', async (rate) => {
    const err = await StreamingResampler.create({ inputRate: rate }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioError);
    expect((err as AudioError).code).toBe('UNSUPPORTED_SAMPLE_RATE');
    expect((err as AudioError).message).toContain('8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000');
  });

  it('rejects bad output rates, channel counts and qualities with their codes', async () => {
    await expect(StreamingResampler.create({ inputRate: 48000, outputRate: 500 })).rejects.toMatchObject({
      code: 'UNSUPPORTED_SAMPLE_RATE',
    });
    const stereo = { inputRate: 48000, channels: 2 as unknown as 1 };
    await expect(StreamingResampler.create(stereo)).rejects.toMatchObject({ code: 'BAD_CHANNEL_COUNT' });
    const best = { inputRate: 48000, quality: 'best' as ResamplerQuality };
    await expect(StreamingResampler.create(best)).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await expect(resampleOffline(new Float32Array(10), 500)).rejects.toMatchObject({
      code: 'UNSUPPORTED_SAMPLE_RATE',
    });
  });

  it('passes 16 kHz through untouched: same array, no tail', async () => {
    const rs = await StreamingResampler.create({ inputRate: 16000 });
    const x = testSignal(16000, 1234);
    expect(rs.push(x)).toBe(x);
    expect(rs.outputSamples).toBe(1234);
    expect(rs.flush().length).toBe(0);
    expect(await resampleOffline(x, 16000)).toBe(x);
  });

  it('resamples any rate in range offline, e.g. 96 kHz and 12 kHz', async () => {
    for (const rate of [96000, 12000]) {
      const y = await resampleOffline(tone(rate, 1000, rate), rate);
      expect(y.length).toBe(OUT);
      expect(Math.abs(db(fitTone(y, OUT, 1000, 1600, 14400).amp / 0.5))).toBeLessThan(0.1);
    }
  });

  it('handles extreme ratios, 1 kHz to 192 kHz and back, in blocks beyond the library buffer', async () => {
    const up = await resampleOffline(tone(1000, 100, 10000), 1000, 192000);
    expect(up.length).toBe(10 * 192000);
    expect(Math.abs(db(fitTone(up, 192000, 100, 192000, 1728000).amp / 0.5))).toBeLessThan(0.1);
    const down = await resampleOffline(up, 192000, 1000);
    expect(down.length).toBe(10000);
    expect(Math.abs(db(fitTone(down, 1000, 100, 1000, 9000).amp / 0.5))).toBeLessThan(0.1);
  });

  it('refuses pushes after flush until reset, then repeats a fresh stream exactly', async () => {
    const x = testSignal(44100, 20000);
    const rs = await StreamingResampler.create({ inputRate: 44100 });
    const first = concat([rs.push(x), rs.flush()]);
    expect(() => rs.push(x)).toThrow(/reset/);
    rs.reset();
    expect(rs.outputSamples).toBe(0);
    expect(firstMismatch(concat([rs.push(x), rs.flush()]), first)).toBe(-1);
    rs.destroy();
    rs.destroy();
    expect(() => rs.push(x)).toThrow(/destroy/);
  });

  it('returns an empty array for an empty push and an empty stream', async () => {
    const rs = await StreamingResampler.create({ inputRate: 22050 });
    expect(rs.push(new Float32Array(0)).length).toBe(0);
    expect(rs.flush().length).toBe(0);
    expect((await resampleOffline(new Float32Array(0), 48000)).length).toBe(0);
  });
});
