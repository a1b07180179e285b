import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasData, loadClip, ravdessPath } from '../testing/corpus.ts';
import { mulberry32 } from '../testing/random.ts';
import { dctOrthoMatrix } from './dct.ts';
import { extractFeatures, type FeatureBlock, FeatureExtractor } from './extractor.ts';
import { melToHzSlaney } from './mel.ts';
import { FEATURE_NAMES, type FeatureName, type FeatureOptions } from './options.ts';

const ALL: FeatureName[] = [...FEATURE_NAMES];

/** Runs a stream cut at the given chunk sizes (cycled) and concatenates every emitted block. */
function streamed(samples: Float32Array, sizes: number[], options: Partial<FeatureOptions>): FeatureBlock {
  const fx = new FeatureExtractor(options);
  const parts: FeatureBlock[] = [];
  let pos = 0;
  let i = 0;
  while (pos < samples.length) {
    const n = Math.min(sizes[i++ % sizes.length]!, samples.length - pos);
    const b = fx.push(samples.subarray(pos, pos + n));
    pos += n;
    parts.push(b);
  }
  parts.push(fx.flush());
  let frames = 0;
  for (const p of parts) {
    expect(p.startFrame).toBe(frames);
    frames += p.frames;
  }
  const data = new Float32Array(frames * fx.dim);
  let o = 0;
  for (const p of parts) {
    data.set(p.data, o);
    o += p.data.length;
  }
  return { startFrame: 0, frames, dim: fx.dim, data };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function synth(seed: number, n: number): Float32Array {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
  const x = new Float32Array(n);
  const f0 = 100 + (((seed % 200) + 200) % 200);
  for (let i = 0; i < n; i++) {
    const env = Math.sin((Math.PI * i) / n) ** 2;
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / 16000) / h;
    x[i] = 0.3 * env * v + 0.02 * rnd();
  }
  return x;
}

describe('FeatureExtractor framing', () => {
  it('has floor((N - win) / hop) + 1 frames and none for clips shorter than a window', () => {
    expect(extractFeatures(new Float32Array(399)).frames).toBe(0);
    expect(extractFeatures(new Float32Array(400)).frames).toBe(1);
    expect(extractFeatures(new Float32Array(16000)).frames).toBe(98);
    expect(extractFeatures(new Float32Array(16000), { features: ALL }).frames).toBe(98);
  });

  it('lays features out in canonical order with the documented sizes', () => {
    const fx = new FeatureExtractor({ features: ['mfcc', 'logmel', 'pitch', 'delta2'] });
    expect(fx.layout.logmel).toEqual({ offset: 0, size: 64 });
    expect(fx.layout.mfcc).toEqual({ offset: 64, size: 40 });
    expect(fx.layout.delta2).toEqual({ offset: 104, size: 40 });
    expect(fx.layout.pitch).toEqual({ offset: 144, size: 2 });
    expect(fx.dim).toBe(146);
    expect(fx.delayFrames).toBe(4);
  });

  it('rejects contradictory options with a TypeError', () => {
    expect(() => new FeatureExtractor({ nFft: 500 })).toThrow(TypeError);
    expect(() => new FeatureExtractor({ winLength: 1024, nFft: 512 })).toThrow(/exceeds nFft/);
    expect(() => new FeatureExtractor({ nMfcc: 80 })).toThrow(/nMfcc/);
    expect(() => new FeatureExtractor({ fMaxHz: 9000 })).toThrow(/Nyquist/);
    expect(() => new FeatureExtractor({ features: ['delta'] })).toThrow(/include 'mfcc'/);
    expect(() => new FeatureExtractor({ features: [] })).toThrow(TypeError);
    expect(() => new FeatureExtractor({ pitchNoiseFloorMs: 5 })).toThrow(/pitchNoiseFloorMs/);
    expect(() => new FeatureExtractor({ pitchNoiseFloorMs: -1 })).toThrow(/pitchNoiseFloorMs/);
    expect(() => new FeatureExtractor({ pitchOctaveCheck: 1 as never })).toThrow(/pitchOctaveCheck/);
  });

  it('refuses push after flush until reset', () => {
    const fx = new FeatureExtractor();
    fx.push(new Float32Array(1000));
    fx.flush();
    expect(() => fx.push(new Float32Array(10))).toThrow(/after flush/);
    fx.reset();
    expect(fx.push(new Float32Array(400)).frames).toBe(1);
  });

  it("forgets the pitch tracker's noise floor on reset", () => {
    const options: Partial<FeatureOptions> = { features: ['pitch'], pitchNoiseFloorMs: 1500 };
    const speech = synth(11, 16000);
    const random = mulberry32(12);
    const noise = Float32Array.from({ length: 16000 }, () => 0.1 * (random() - 0.5));
    const fresh = extractFeatures(speech, options);
    // Within one stream the noise before the speech sets the floor, and the speech's voicing changes.
    const carried = extractFeatures(Float32Array.from([...noise, ...speech]), options);
    const after = carried.data.subarray((100 + 10) * carried.dim);
    expect(maxAbsDiff(after, fresh.data.subarray(10 * fresh.dim))).toBeGreaterThan(0.01);
    const fx = new FeatureExtractor(options);
    fx.push(noise);
    fx.flush();
    fx.reset();
    const a = fx.push(speech);
    const b = fx.flush();
    expect(maxAbsDiff(Float32Array.from([...a.data, ...b.data]), fresh.data)).toBe(0);
  });
});

describe('streaming equals offline', () => {
  const configs: Array<Partial<FeatureOptions>> = [
    { features: ['logmel', 'mfcc'] },
    { features: ALL },
    { features: ['mfcc', 'delta'], deltaWidth: 3 },
    { features: ['mfcc', 'delta2', 'pitch'], deltaWidth: 1 },
    { features: ['logmel', 'mfcc'], melFloorDb: 35 },
    { features: ['rms', 'pitch'], pitchNoiseFloorMs: 300 },
    { features: ['pitch'], pitchOctaveCheck: true },
  ];

  it('gives identical features for random chunkings of synthetic signals (1 sample to 1 s)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 0, max: 24000 }),
        fc.array(fc.integer({ min: 1, max: 16000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: configs.length - 1 }),
        (seed, n, sizes, ci) => {
          const x = synth(seed, n);
          const whole = extractFeatures(x, configs[ci]);
          const parts = streamed(x, sizes, configs[ci]!);
          expect(parts.frames).toBe(whole.frames);
          expect(maxAbsDiff(parts.data, whole.data)).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives identical features sample by sample and in 20 ms chunks', () => {
    const x = synth(7, 5000);
    for (const cfg of configs) {
      const whole = extractFeatures(x, cfg);
      expect(maxAbsDiff(streamed(x, [1], cfg).data, whole.data)).toBe(0);
      expect(maxAbsDiff(streamed(x, [320], cfg).data, whole.data)).toBe(0);
    }
  });

  it.runIf(hasData)('gives identical features for random chunkings of real speech', async () => {
    const clips = [
      await loadClip(ravdessPath(1, '03-01-05-02-01-01-01')),
      await loadClip(ravdessPath(20, '03-01-04-01-02-02-20')),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: clips.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 16000 }), { minLength: 1, maxLength: 20 }),
        (ci, sizes) => {
          const x = clips[ci]!;
          const whole = extractFeatures(x, { features: ALL });
          const parts = streamed(x, sizes, { features: ALL });
          expect(parts.frames).toBe(whole.frames);
          expect(maxAbsDiff(parts.data, whole.data)).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('feature correctness', () => {
  it('puts a pure tone in the mel band whose triangle contains it', () => {
    for (const hz of [250, 700, 1000, 2500, 5000]) {
      const x = new Float32Array(4000);
      for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000);
      const b = extractFeatures(x, { features: ['logmel'] });
      const row = b.data.subarray(10 * 64, 11 * 64);
      let best = 0;
      for (let m = 1; m < 64; m++) if (row[m]! > row[best]!) best = m;
      // Band m's triangle runs between mel points m and m + 2 and peaks at point m + 1.
      const melMax = 15 + (27 * Math.log(8)) / Math.log(6.4); // Slaney mel of 8 kHz
      const centre = (m: number) => melToHzSlaney(((m + 1) * melMax) / 65);
      const lo = melToHzSlaney((best * melMax) / 65);
      const hi = melToHzSlaney(((best + 2) * melMax) / 65);
      // The tone's energy sits in the FFT bins around it, so allow one bin (31.25 Hz) of resolution.
      expect(hz).toBeGreaterThan(lo - 31.25);
      expect(hz).toBeLessThan(hi + 31.25);
      // Far from the tone (outside the neighbouring triangles) the level is at least 40 dB lower.
      for (let m = 0; m < 64; m++)
        if (Math.abs(m - best) > 3) expect(row[best]! - row[m]!).toBeGreaterThan(40);
      expect(centre(best)).toBeGreaterThan(lo);
    }
  });

  it('computes MFCCs as an explicit orthonormal DCT-II of the log-mel vector', () => {
    const x = synth(3, 8000);
    const b = extractFeatures(x, { features: ['logmel', 'mfcc'] });
    for (const t of [0, 17, b.frames - 1]) {
      const lm = b.data.subarray(t * b.dim, t * b.dim + 64);
      for (const k of [0, 1, 5, 39]) {
        let acc = 0;
        for (let n = 0; n < 64; n++) acc += lm[n]! * Math.cos((Math.PI * k * (2 * n + 1)) / 128);
        acc *= k === 0 ? Math.sqrt(1 / 64) : Math.sqrt(2 / 64);
        expect(b.data[t * b.dim + 64 + k]).toBeCloseTo(acc, 2);
      }
    }
    // The basis is orthonormal: M M^T = I.
    const m = dctOrthoMatrix(64, 40);
    for (const [i, j] of [
      [0, 0],
      [3, 3],
      [0, 5],
      [7, 39],
    ] as const) {
      let dot = 0;
      for (let n = 0; n < 64; n++) dot += m[i * 64 + n]! * m[j * 64 + n]!;
      expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
    }
  });

  describe('relative mel floor (melFloorDb)', () => {
    const tone = (n: number, gain: number) =>
      Float32Array.from({ length: n }, (_, i) => gain * Math.sin((2 * Math.PI * 440 * i) / 16000));
    const bands = (x: Float32Array, floor: number | null) => {
      const b = extractFeatures(x, { features: ['logmel'], melFloorDb: floor });
      return { b, frame: (t: number) => Array.from(b.data.subarray(t * 64, (t + 1) * 64)) };
    };

    it('keeps every band within melFloorDb of the frame peak and leaves the loud bands alone', () => {
      const x = synth(3, 8000);
      const plain = bands(x, null);
      const floored = bands(x, 30);
      for (let t = 0; t < plain.b.frames; t += 7) {
        const p = plain.frame(t);
        const f = floored.frame(t);
        const peak = Math.max(...p);
        for (let m = 0; m < 64; m++) {
          expect(f[m]!).toBeGreaterThanOrEqual(peak - 30 - 1e-3);
          // Added power is the floor's: at most 10 log10(1 + 10^((peak - 30 - p) / 10)) dB.
          expect(f[m]! - p[m]!).toBeLessThanOrEqual(
            10 * Math.log10(1 + 10 ** ((peak - 30 - p[m]!) / 10)) + 1e-3,
          );
        }
      }
    });

    it('is level-invariant: a gain shifts every band by the gain', () => {
      const x = synth(5, 6000);
      const a = bands(x, 35).b.data;
      const b = bands(
        Float32Array.from(x, (v) => v * 0.1),
        35,
      ).b.data;
      for (let i = 0; i < a.length; i++) expect(b[i]! - a[i]!).toBeCloseTo(-20, 3);
    });

    it('hides background noise far below the voice that the plain log-mel shows', () => {
      const clean = tone(8000, 0.5);
      let state = 12345;
      const noisy = Float32Array.from(clean, (v) => {
        state = (state * 1103515245 + 12345) >>> 0;
        return v + 1e-3 * (state / 2 ** 32 - 0.5);
      });
      const worst = (floor: number | null) =>
        maxAbsDiff(bands(clean, floor).b.data, bands(noisy, floor).b.data);
      expect(worst(null)).toBeGreaterThan(20);
      expect(worst(40)).toBeLessThan(3);
    });
  });

  it('floors silence at 10 log10(amin) and gives zero descriptors', () => {
    const b = extractFeatures(new Float32Array(1600), { features: ALL });
    const L = new FeatureExtractor({ features: ALL }).layout;
    expect(b.data[L.logmel!.offset]).toBeCloseTo(-100, 4);
    for (const f of ['centroid', 'bandwidth', 'rolloff', 'zcr', 'rms'] as const)
      expect(b.data[L[f]!.offset]).toBe(0);
    expect(b.data[L.pitch!.offset]).toBe(0);
  });

  it('computes deltas of a linear ramp as its slope, edge-clamped at both ends', () => {
    // A DC offset growing linearly makes MFCC 0 grow predictably; use the regression on the MFCC track.
    const x = new Float32Array(16000);
    for (let i = 0; i < x.length; i++) x[i] = 0.01 + (0.5 * i) / x.length + 0.001 * Math.sin(i);
    const b = extractFeatures(x, { features: ['mfcc', 'delta'] });
    const c0 = (t: number) => b.data[t * b.dim]!;
    const d0 = (t: number) => b.data[t * b.dim + 40]!;
    const t = 50;
    const expected = (1 * (c0(t + 1) - c0(t - 1)) + 2 * (c0(t + 2) - c0(t - 2))) / 10;
    expect(d0(t)).toBeCloseTo(expected, 4);
    const last = b.frames - 1;
    expect(d0(last)).toBeCloseTo((1 * (c0(last) - c0(last - 1)) + 2 * (c0(last) - c0(last - 2))) / 10, 4);
    expect(d0(0)).toBeCloseTo((1 * (c0(1) - c0(0)) + 2 * (c0(2) - c0(0))) / 10, 4);
  });

  it('measures zero-crossing rate and RMS of a known sine', () => {
    const x = new Float32Array(4000);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000 + 0.1);
    const fx = new FeatureExtractor({ features: ['zcr', 'rms', 'centroid'] });
    const b = extractFeatures(x, fx.options);
    const row = b.data.subarray(5 * b.dim, 6 * b.dim);
    expect(row[fx.layout.zcr!.offset]).toBeCloseTo(50 / 400, 2); // 2 crossings per period, 25 periods
    expect(row[fx.layout.rms!.offset]).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(Math.abs(row[fx.layout.centroid!.offset]! - 1000)).toBeLessThan(60);
  });
});
