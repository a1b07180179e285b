import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioError } from '../errors.ts';
import { RealPowerSpectrum } from '../features/rfft.ts';
import { hasData, loadClip, ravdessPath } from '../testing/corpus.ts';
import { firstMismatch, fitTone, testSignal, tone } from '../testing/signals.ts';
import { concatSamples as concat } from './frame.ts';
import { createStreamResampler, PolyphaseResampler, type StreamResampler } from './polyphase.ts';
import { resampledLength, resampleOffline, STREAMING_INPUT_RATES, StreamingResampler } from './resample.ts';

const OUT = 16000;
const CONVERTING_RATES = STREAMING_INPUT_RATES.filter((r) => r !== OUT);
const db = (ratio: number) => 20 * Math.log10(ratio);
/** Samples in 20 ms, the usual live chunk. */
const ms20 = (rate: number) => Math.round(rate / 50);
/** The error code `f` throws, if any. */
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof AudioError ? e.code : String(e);
  }
  return undefined;
}

/** Pushes `x` cut into `sizes` (cycled), checking the counters after every push, then flushes. */
function resampleInChunks(x: Float32Array, rate: number, sizes: number[], outputRate = OUT): Float32Array {
  const rs = new PolyphaseResampler({ inputRate: rate, outputRate });
  const parts: Float32Array[] = [];
  let got = 0;
  for (let i = 0, k = 0; i < x.length; k++) {
    const size = sizes[k % sizes.length]!;
    const y = rs.push(x.subarray(i, i + size));
    i += size;
    got += y.length;
    parts.push(y);
    expect(rs.outputSamples).toBe(got);
    expect(rs.pendingOutputSamples).toBeGreaterThanOrEqual(0);
  }
  parts.push(rs.flush());
  return concat(parts);
}

/** Level in dB, relative to a full tone of amplitude `amp`, of what is left of y once the fitted tone is removed. */
function residualDb(y: Float32Array, hz: number, from: number, to: number, amp = 0.5): number {
  const fit = fitTone(y, OUT, hz, from, to);
  let e = 0;
  for (let i = from; i < to; i++) {
    e += (y[i]! - fit.amp * Math.sin((2 * Math.PI * hz * i) / OUT + fit.phase)) ** 2;
  }
  return db(Math.sqrt(e / (to - from)) / (amp / Math.SQRT2));
}

function rms(y: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i]! * y[i]!;
  return Math.sqrt(s / (to - from));
}

/** Energy of `x` below `maxHz` (x at 16 kHz), from its whole-clip spectrum. */
function bandEnergy(x: Float32Array, maxHz: number): number {
  let size = 4;
  while (size < x.length) size *= 2;
  const spec = new Float64Array(size / 2 + 1);
  new RealPowerSpectrum(size).power(x, 0, new Float64Array(x.length).fill(1), x.length, spec);
  let e = 0;
  for (let k = 0; (k * OUT) / size <= maxHz; k++) e += spec[k]!;
  return e;
}

describe('PolyphaseResampler filter bank', () => {
  it.each([
    [48000, 1, 3],
    [44100, 160, 441],
    [32000, 1, 2],
    [24000, 2, 3],
    [22050, 320, 441],
    [11025, 640, 441],
    [8000, 2, 1],
  ])('reduces %i Hz to 16 kHz to the ratio %i/%i', (rate, up, down) => {
    const rs = new PolyphaseResampler({ inputRate: rate });
    expect([rs.upFactor, rs.downFactor]).toEqual([up, down]);
    // The output count follows the ratio: L outputs per M inputs.
    expect(resampleInChunks(new Float32Array(down * 50), rate, [down * 50]).length).toBe(up * 50);
  });

  it.each(CONVERTING_RATES)('keeps under 1024 samples of state per stream at %i Hz', (rate) => {
    const rs = new PolyphaseResampler({ inputRate: rate });
    expect(rs.taps).toBeLessThan(1024);
    expect(rs.stateBytes).toBeLessThan(1024 * Float32Array.BYTES_PER_ELEMENT);
    rs.push(testSignal(rate, 3 * rate));
    expect(rs.stateBytes).toBeLessThan(1024 * Float32Array.BYTES_PER_ELEMENT);
  });

  it('shares one filter bank between the streams of a rate pair', () => {
    // A 44.1 kHz bank holds 160 phases (about 110 KB) and an 11.025 kHz one 640 (about 160 KB): 2000
    // streams with a bank each would take over 500 MB; sharing, they take well under 10 MB.
    const before = process.memoryUsage().arrayBuffers;
    const held: PolyphaseResampler[] = [];
    for (let i = 0; i < 1000; i++) {
      held.push(new PolyphaseResampler({ inputRate: 44100 }), new PolyphaseResampler({ inputRate: 11025 }));
    }
    for (const rs of held) rs.push(new Float32Array(441));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10e6);
  });

  it('sizes every output array exactly (nothing sliced from a bigger buffer)', () => {
    const rs = new PolyphaseResampler({ inputRate: 44100 });
    for (const n of [1, 441, 882, 5000]) {
      const y = rs.push(testSignal(44100, n));
      expect(y.buffer.byteLength).toBe(y.byteLength);
    }
  });
});

describe('PolyphaseResampler chunking invariance', () => {
  // Pushes from 1 to 32 samples and up to one second, so that the held-back tail, the paired outputs
  // and the 4096-sample blocks inside push() all straddle chunk boundaries.
  const chunkSizes = (rate: number) =>
    fc.array(fc.oneof(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: rate })), {
      minLength: 1,
      maxLength: 30,
    });

  it.each(STREAMING_INPUT_RATES)('gives bit-identical output for any chunking at %i Hz', (rate) => {
    const x = testSignal(rate, Math.round(rate * 1.2) + 3);
    const whole = resampleInChunks(x, rate, [x.length]);
    expect(whole.length).toBe(resampledLength(x.length, rate, OUT));
    fc.assert(
      fc.property(chunkSizes(rate), (sizes) => {
        expect(firstMismatch(resampleInChunks(x, rate, sizes), whole)).toBe(-1);
      }),
      { numRuns: 12 },
    );
  });

  // Pushed a sample at a time, a decimating stream completes its outputs one by one; pushed whole, it
  // computes them two at a time with the paired kernel. Both must sum in the same order.
  it.each([48000, 32000, 44100])('gives bit-identical output one sample at a time at %i Hz', (rate) => {
    const x = testSignal(rate, Math.round(rate * 0.3));
    expect(firstMismatch(resampleInChunks(x, rate, [1]), resampleInChunks(x, rate, [x.length]))).toBe(-1);
  });
});

describe('PolyphaseResampler length', () => {
  it.each(STREAMING_INPUT_RATES)('ends with round(n * 16000 / %i), halves up, after flush', (rate) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 * rate }),
        fc.array(fc.integer({ min: 1, max: rate }), { minLength: 1, maxLength: 5 }),
        (n, sizes) => {
          const rs = new PolyphaseResampler({ inputRate: rate });
          let got = 0;
          for (let i = 0, k = 0; i < n; k++) {
            const size = Math.min(sizes[k % sizes.length]!, n - i);
            got += rs.push(new Float32Array(size).fill(0.1)).length;
            i += size;
            expect(rs.pendingOutputSamples).toBeGreaterThanOrEqual(0);
          }
          const pending = rs.pendingOutputSamples;
          expect(rs.flush().length).toBe(pending);
          expect(rs.inputSamples).toBe(n);
          expect(rs.outputSamples).toBe(got + pending);
          expect(rs.outputSamples).toBe(Math.round((n * OUT) / rate));
          expect(rs.outputSamples).toBe(resampledLength(n, rate, OUT));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('holds back only the lookahead: 2 ms at 48 kHz, 4 ms at 8 kHz', () => {
    for (const [rate, ms] of [
      [48000, 2],
      [8000, 4],
    ] as const) {
      const rs = new PolyphaseResampler({ inputRate: rate });
      expect((rs.lookaheadSamples / rate) * 1000).toBeLessThanOrEqual(ms);
      rs.push(new Float32Array(rate));
      expect(rs.pendingOutputSamples).toBeLessThanOrEqual((ms * OUT) / 1000 + 1);
    }
  });
});

describe('PolyphaseResampler frequency response', () => {
  const from = OUT / 10;
  const to = OUT - OUT / 10;

  it.each(
    CONVERTING_RATES,
  )('passes tones up to the passband edge within 0.1 dB, in phase (%i Hz)', (rate) => {
    // 7 kHz for downsampling; 0.4375 of the input rate (above 0.85 of its Nyquist) for upsampling.
    const edge = 0.4375 * Math.min(rate, OUT);
    for (let hz = 50; hz <= edge; hz += edge / 24) {
      const y = resampleInChunks(tone(rate, hz, rate), rate, [rate / 5]);
      const fit = fitTone(y, OUT, hz, from, to);
      expect(Math.abs(db(fit.amp / 0.5))).toBeLessThan(0.1);
      // Phase zero: output sample k sits at input time k / 16000; one output sample at 7 kHz is 2.7 rad.
      expect(Math.abs(fit.phase)).toBeLessThan(0.001);
      // Nothing else (aliases, images, noise) within 60 dB.
      expect(residualDb(y, hz, from, to)).toBeLessThan(-60);
    }
  });

  it.each(
    CONVERTING_RATES.filter((r) => r > OUT),
  )('rejects every tone from 8 kHz to Nyquist by at least 60 dB (%i Hz input)', (rate) => {
    const passband = rms(resampleInChunks(tone(rate, 1000, rate / 2), rate, [ms20(rate)]), 800, 7200);
    for (let hz = 8000; hz < rate / 2; hz += 97) {
      const y = resampleInChunks(tone(rate, hz, rate / 2), rate, [ms20(rate)]);
      expect(db(rms(y, 800, 7200) / passband)).toBeLessThan(-60);
    }
  });

  it('puts a 10 kHz tone at 48 kHz at least 60 dB below a 1 kHz one', () => {
    const level = (hz: number) => rms(resampleInChunks(tone(48000, hz, 48000), 48000, [960]), from, to);
    expect(db(level(10000) / level(1000))).toBeLessThan(-60);
  });

  it.each([
    8000, 11025,
  ])('leaves no image above the input Nyquist: every tone clean to 60 dB (%i Hz)', (rate) => {
    for (let hz = 50; hz < rate / 2; hz += rate / 160) {
      const y = resampleInChunks(tone(rate, hz, rate), rate, [ms20(rate)]);
      expect(residualDb(y, hz, from, to)).toBeLessThan(-60);
    }
  });

  it('converts to other output rates too, e.g. 48 kHz to 8 kHz', () => {
    const y = resampleInChunks(tone(48000, 1000, 48000), 48000, [960], 8000);
    expect(y.length).toBe(8000);
    const fit = fitTone(y, 8000, 1000, 800, 7200);
    expect(Math.abs(db(fit.amp / 0.5))).toBeLessThan(0.1);
    const alias = resampleInChunks(tone(48000, 5000, 48000), 48000, [960], 8000);
    expect(db(rms(alias, 800, 7200) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });
});

describe('PolyphaseResampler alignment', () => {
  it.each(CONVERTING_RATES)('puts a click at input time t at output time t (%i Hz)', (rate) => {
    const n = Math.round(rate * 0.5);
    const clicks = [0, Math.round(rate * 0.2) + 1, Math.round(rate * 0.37), n - 1];
    const x = new Float32Array(n);
    for (const k of clicks) x[k] = 1;
    const y = resampleInChunks(x, rate, [160, 7, 999]);
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

describe.runIf(hasData)('PolyphaseResampler against libsamplerate on real speech', () => {
  // Corpus clips are 16 kHz; libsamplerate brings them to each input rate, then both resamplers bring
  // them back. They differ only in their transition bands, so within the passband they must agree.
  const clips = [ravdessPath(1, '03-01-05-02-01-01-01'), ravdessPath(20, '03-01-04-01-02-02-20')];

  it.each(
    CONVERTING_RATES,
  )('agrees to 40 dB SNR within the passband, correlation 0.999 overall (%i Hz)', async (rate) => {
    const passbandHz = 0.4375 * Math.min(rate, OUT);
    for (const path of clips) {
      const speech = await resampleOffline(await loadClip(path), OUT, rate);
      const ref = await resampleOffline(speech, rate);
      const ours = resampleInChunks(speech, rate, [ms20(rate)]);
      expect(ours.length).toBe(ref.length);
      const diff = ours.map((v, i) => v - ref[i]!);
      expect(10 * Math.log10(bandEnergy(ref, passbandHz) / bandEnergy(diff, passbandHz))).toBeGreaterThan(40);
      let [xy, xx, yy] = [0, 0, 0];
      for (let i = 0; i < ref.length; i++) {
        xy += ours[i]! * ref[i]!;
        xx += ours[i]! ** 2;
        yy += ref[i]! ** 2;
      }
      expect(xy / Math.sqrt(xx * yy)).toBeGreaterThan(0.999);
    }
  });
});

describe('createStreamResampler and lifecycle', () => {
  it('passes 16 kHz through untouched: same array, no tail', () => {
    const rs = createStreamResampler(16000);
    const x = testSignal(16000, 1234);
    expect(rs.push(x)).toBe(x);
    expect(rs.outputSamples).toBe(1234);
    expect(rs.flush().length).toBe(0);
  });

  it('returns a polyphase resampler to 16 kHz, interchangeable with StreamingResampler', async () => {
    const rs = createStreamResampler(48000);
    expect(rs).toBeInstanceOf(PolyphaseResampler);
    expect(rs.outputRate).toBe(16000);
    // Type-level: the libsamplerate resampler fits the same interface.
    const lib: StreamResampler = await StreamingResampler.create({ inputRate: 48000 });
    const x = testSignal(48000, 4800);
    expect(concat([rs.push(x), rs.flush()]).length).toBe(concat([lib.push(x), lib.flush()]).length);
    lib.destroy();
  });

  it.each([
    0,
    -8000,
    12000,
    96000,
    44100.5,
    Number.NaN,
  ])('rejects input rate %s, listing the supported ones', (rate) => {
    expect(codeOf(() => createStreamResampler(rate))).toBe('UNSUPPORTED_SAMPLE_RATE');
    expect(() => createStreamResampler(rate)).toThrow(
      '8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000',
    );
  });

  it('rejects bad output rates, channel counts and ratios needing a huge bank, with their codes', () => {
    expect(codeOf(() => createStreamResampler(48000, 500))).toBe('UNSUPPORTED_SAMPLE_RATE');
    expect(codeOf(() => createStreamResampler(48000, 16000.5))).toBe('UNSUPPORTED_SAMPLE_RATE');
    const stereo = { inputRate: 48000, channels: 2 as unknown as 1 };
    expect(codeOf(() => new PolyphaseResampler(stereo))).toBe('BAD_CHANNEL_COUNT');
    expect(codeOf(() => createStreamResampler(44100, 191999))).toBe('BAD_OPTIONS');
  });

  it('refuses pushes after flush until reset, then repeats a fresh stream exactly', () => {
    const x = testSignal(44100, 20000);
    const rs = new PolyphaseResampler({ inputRate: 44100 });
    const first = concat([rs.push(x), rs.flush()]);
    expect(() => rs.push(x)).toThrow(/reset/);
    rs.reset();
    expect([rs.inputSamples, rs.outputSamples]).toEqual([0, 0]);
    expect(firstMismatch(concat([rs.push(x), rs.flush()]), first)).toBe(-1);
    rs.destroy();
    rs.destroy();
    expect(() => rs.push(x)).toThrow(/destroy/);
  });

  it('returns an empty array for an empty push and an empty stream', () => {
    const rs = new PolyphaseResampler({ inputRate: 22050 });
    expect(rs.push(new Float32Array(0)).length).toBe(0);
    expect(rs.flush().length).toBe(0);
  });
});
