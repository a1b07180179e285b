import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import decode from 'audio-decode';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OCTAVE_CHECK, defaultPitchOptions, PitchAnalyzer } from './pitch.ts';

const SR = 16000;
const N = defaultPitchOptions.frameLength;
const corpus = fileURLToPath(new URL('../../../../shared/data', import.meta.url));

/** Small seeded PRNG (mulberry32) so every synthetic signal is reproducible. */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Harmonics {
  f0: number;
  /** Harmonic numbers present, e.g. [1, 2, 3]. */
  ks: readonly number[];
  /** Amplitude of each entry of `ks`. */
  amps: readonly number[];
  seed: number;
  length?: number;
  sampleRate?: number;
}

/** Sum of sinusoids at k·f0 with random phases, scaled to a 0.3 peak-ish level. */
function harmonic({ f0, ks, amps, seed, length = N, sampleRate = SR }: Harmonics): Float32Array {
  const random = rng(seed);
  const x = new Float32Array(length);
  ks.forEach((k, i) => {
    const phase = random() * 2 * Math.PI;
    const a = 0.3 * (amps[i] ?? 0);
    for (let j = 0; j < length; j++) x[j]! += a * Math.sin((2 * Math.PI * k * f0 * j) / sampleRate + phase);
  });
  return x;
}

/** Harmonics 1..K below 7 kHz with amplitudes 1/k^decay: a crude voiced-speech source. */
function voiced(f0: number, seed: number, decay = 1, length = N): Float32Array {
  const ks: number[] = [];
  for (let k = 1; k <= 8 && k * f0 < 7000; k++) ks.push(k);
  return harmonic({ f0, ks, amps: ks.map((k) => k ** -decay), seed, length });
}

function gaussian(seed: number, length: number, rms: number): Float32Array {
  const random = rng(seed);
  const x = new Float32Array(length);
  for (let j = 0; j < length; j++) {
    x[j] = rms * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return x;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function run(analyzer: PitchAnalyzer, x: Float32Array, offset = 0): { f0: number; prob: number } {
  const out = new Float32Array(2);
  analyzer.analyze(x, offset, out, 0);
  return { f0: out[0]!, prob: out[1]! };
}

const relErr = (estimate: number, truth: number): number => Math.abs(estimate - truth) / truth;

/** F0 (70..450 Hz), phase seed, spectral tilt and frame offset of any {@link voiced} frame. */
const anyVoicedFrame = [
  fc.double({ min: 70, max: 450, noNaN: true }),
  fc.integer(),
  fc.double({ min: 0.5, max: 2, noNaN: true }),
  fc.integer({ min: 0, max: 500 }),
] as const;

describe('PitchAnalyzer options', () => {
  it('resolves defaults and keeps 64 ms frames when only the sample rate changes', () => {
    expect(new PitchAnalyzer().options).toEqual(defaultPitchOptions);
    expect(defaultPitchOptions.frameLength).toBe(1024);
    expect(new PitchAnalyzer({ sampleRate: 8000 }).options.frameLength).toBe(512);
    expect(new PitchAnalyzer({ sampleRate: 48000 }).options.frameLength).toBe(3072);
    expect(new PitchAnalyzer({ frameLength: 700 }).options.frameLength).toBe(700);
  });

  it.each([
    ['fMinHz >= fMaxHz', { fMinHz: 300, fMaxHz: 300 }],
    ['fMaxHz above Nyquist', { fMaxHz: 9000 }],
    ['frameLength too short for fMinHz', { fMinHz: 60, frameLength: 580 }],
    ['frameLength not an integer', { frameLength: 1000.5 }],
    ['threshold above 1', { threshold: 1.5 }],
    ['threshold zero', { threshold: 0 }],
    ['sampleRate NaN', { sampleRate: Number.NaN }],
    ['negative fMinHz', { fMinHz: -10 }],
  ])('throws TypeError on %s', (_, options) => {
    expect(() => new PitchAnalyzer(options)).toThrow(TypeError);
  });

  it('accepts the tightest legal geometry', () => {
    // 64 warm-up + 2·(267 + 1) lags at 60 Hz.
    expect(() => new PitchAnalyzer({ frameLength: 600 })).not.toThrow();
    expect(() => new PitchAnalyzer({ frameLength: 599 })).toThrow(TypeError);
    expect(() => new PitchAnalyzer({ fMaxHz: 8000 })).not.toThrow();
  });

  it.each([8000, 22050, 48000])('scales the filter, warm-up and lags to %d Hz input', (sampleRate) => {
    const p = new PitchAnalyzer({ sampleRate });
    const length = p.options.frameLength;
    for (const f0 of [90, 210, 380]) {
      const x = harmonic({ f0, ks: [1, 2, 3], amps: [1, 0.5, 0.3], seed: f0, length, sampleRate });
      expect(relErr(run(p, x).f0, f0)).toBeLessThan(0.005);
    }
  });

  it('rejects frames and outputs outside their arrays and writes only its two slots', () => {
    const p = new PitchAnalyzer();
    const x = voiced(150, 1, 1, N + 10);
    expect(() => p.analyze(x, 11, new Float32Array(2), 0)).toThrow(RangeError);
    expect(() => p.analyze(x, -1, new Float32Array(2), 0)).toThrow(RangeError);
    expect(() => p.analyze(x, 0, new Float32Array(3), 2)).toThrow(RangeError);
    const out = new Float32Array([7, 7, 7, 7]);
    p.analyze(x, 10, out, 1);
    expect(out[0]).toBe(7);
    expect(out[3]).toBe(7);
    expect(relErr(out[1]!, 150)).toBeLessThan(0.02);
  });
});

describe('PitchAnalyzer on synthetic signals', () => {
  const p = new PitchAnalyzer();

  it.each([150, 220])('finds %d Hz within 2%% with high voicing probability', (f0) => {
    for (let seed = 1; seed <= 5; seed++) {
      const { f0: est, prob } = run(p, voiced(f0, seed));
      expect(relErr(est, f0)).toBeLessThan(0.02);
      // A clean periodic signal should be far tighter than the 2% budget: guards the FFT algebra.
      expect(relErr(est, f0)).toBeLessThan(0.001);
      expect(prob).toBeGreaterThan(0.8);
    }
  });

  it('tracks any F0 in 70..450 Hz, spectral tilt and frame offset', () => {
    fc.assert(
      fc.property(...anyVoicedFrame, (f0, seed, decay, offset) => {
        const { f0: est, prob } = run(p, voiced(f0, seed, decay, N + 500), offset);
        expect(relErr(est, f0)).toBeLessThan(0.02);
        expect(prob).toBeGreaterThan(0.8);
      }),
      { numRuns: 300 },
    );
  });

  it('recovers a missing fundamental from harmonics 2..5', () => {
    const flat = run(p, harmonic({ f0: 150, ks: [2, 3, 4, 5], amps: [1, 1, 1, 1], seed: 3 }));
    expect(relErr(flat.f0, 150)).toBeLessThan(0.02);
    expect(flat.prob).toBeGreaterThan(0.8);
    fc.assert(
      fc.property(fc.double({ min: 80, max: 250, noNaN: true }), fc.integer(), (f0, seed) => {
        const x = harmonic({ f0, ks: [2, 3, 4, 5], amps: [1, 0.8, 0.6, 0.5], seed });
        const { f0: est, prob } = run(p, x);
        expect(relErr(est, f0)).toBeLessThan(0.02);
        expect(prob).toBeGreaterThan(0.8);
      }),
      { numRuns: 100 },
    );
  });

  it('makes no octave error on 100 Hz with a second harmonic up to 8 dB stronger', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2.5, noNaN: true }), fc.integer(), (a2, seed) => {
        const x = harmonic({ f0: 100, ks: [1, 2, 3], amps: [1, a2, 0.3], seed });
        expect(relErr(run(p, x).f0, 100)).toBeLessThan(0.02);
      }),
      { numRuns: 100 },
    );
  });

  it('reports white noise as unvoiced with a low probability', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (seed, level) => {
        const { f0, prob } = run(p, gaussian(seed, N, level));
        expect(f0).toBe(0);
        expect(prob).toBeLessThan(0.7);
      }),
      { numRuns: 200 },
    );
  });

  it('gates silence, a quiet hum below −70 dBFS and pure DC to (0, 0)', () => {
    expect(run(p, new Float32Array(N))).toEqual({ f0: 0, prob: 0 });
    const hum = voiced(120, 4).map((v) => v * 1e-3); // ≈ −78 dBFS, periodic but inaudible
    expect(rms(hum)).toBeLessThan(10 ** (-70 / 20));
    expect(run(p, hum)).toEqual({ f0: 0, prob: 0 });
    expect(run(p, new Float32Array(N).fill(0.5))).toEqual({ f0: 0, prob: 0 });
    // The same hum 30 dB louder is pitched: the gate, not the algorithm, silenced it.
    expect(
      relErr(
        run(
          p,
          hum.map((v) => v * 30),
        ).f0,
        120,
      ),
    ).toBeLessThan(0.02);
  });

  it('stays within 3% at 10 dB SNR in white noise', () => {
    fc.assert(
      fc.property(fc.double({ min: 80, max: 400, noNaN: true }), fc.integer(), (f0, seed) => {
        const signal = voiced(f0, seed);
        const noise = gaussian(seed ^ 0x5eed, N, rms(signal) / Math.sqrt(10));
        const { f0: est, prob } = run(
          p,
          signal.map((v, i) => v + noise[i]!),
        );
        expect(relErr(est, f0)).toBeLessThan(0.03);
        expect(prob).toBeGreaterThan(1 - p.options.threshold);
      }),
      { numRuns: 150 },
    );
  });

  it('ignores a DC offset', () => {
    const x = voiced(180, 9);
    const shifted = x.map((v) => v + 0.4);
    const a = run(p, x);
    const b = run(p, shifted);
    expect(relErr(b.f0, a.f0)).toBeLessThan(1e-4);
    expect(Math.abs(b.prob - a.prob)).toBeLessThan(1e-4);
  });

  it('depends only on the frame samples, even with analyzers sharing scratch interleaved', () => {
    const x = voiced(137, 2, 1, 3 * N);
    const out = new Float32Array(2);
    const reference: number[] = [];
    for (let at = 0; at + N <= x.length; at += 160) {
      p.analyze(x, at, out, 0);
      reference.push(out[0]!, out[1]!);
    }
    // All three share one FFT size; `wide` (short lag range) fills the head far past where `short` ends.
    const short = new PitchAnalyzer({ frameLength: 900, fMinHz: 80 });
    const wide = new PitchAnalyzer({ fMinHz: 200 });
    const copy = new Float32Array(N + 37);
    const before = new Float32Array(2);
    let i = 0;
    for (let at = 0; at + N <= x.length; at += 160) {
      const probe = voiced(95 + at / 10, at, 1, 900);
      short.analyze(probe, 0, before, 0);
      copy.set(x.subarray(at, at + N), 37);
      p.analyze(copy, 37, out, 0);
      expect(out[0]).toBe(reference[i++]);
      expect(out[1]).toBe(reference[i++]);
      wide.analyze(gaussian(at, N, 0.3), 0, out, 0);
      short.analyze(probe, 0, out, 0);
      expect(out[0]).toBe(before[0]);
      expect(out[1]).toBe(before[1]);
    }
  });
});

/** Pink noise (Kellet's three-pole approximation) of unit-ish level. */
function pink(seed: number, length: number): Float32Array {
  const white = gaussian(seed, length, 1);
  const x = new Float32Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let j = 0; j < length; j++) {
    const w = white[j]!;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    x[j] = b0 + b1 + b2 + w * 0.1848;
  }
  return x;
}

/**
 * `lead` s of noise alone, then `voicedSeconds` of a voiced glide (F0 from `f0` to 1.3·`f0`) in the
 * same noise at `snrDb`; every frame at 10 ms hops through a fixed-threshold and an adaptive analyzer.
 */
function noisyGlide(f0: number, snrDb: number, seed: number, lead = 1, voicedSeconds = 2) {
  const on = lead * SR;
  const n = on + voicedSeconds * SR;
  const x = new Float32Array(n);
  const truth = new Float32Array(n);
  let phase = 0;
  for (let j = on; j < n; j++) {
    truth[j] = f0 * (1 + (0.3 * (j - on)) / (n - on));
    phase += (2 * Math.PI * truth[j]!) / SR;
    let v = 0;
    for (let k = 1; k <= 8; k++) v += Math.sin(k * phase) / k;
    x[j] = 0.1 * v;
  }
  const noise = pink(seed, n);
  const gain = rms(x.subarray(on)) / rms(noise) / 10 ** (snrDb / 20);
  const y = x.map((v, j) => v + gain * noise[j]!);
  const result = (analyzer: PitchAnalyzer) => {
    const out = new Float32Array(2);
    let voiced = 0;
    let correct = 0;
    let frames = 0;
    let noiseVoiced = 0;
    let noiseFrames = 0;
    for (let at = 0; at + N <= n; at += 160) {
      analyzer.analyze(y, at, out, 0);
      if (at >= on) {
        frames++;
        if (out[0]! > 0) {
          voiced++;
          if (relErr(out[0]!, truth[at + N / 2]!) < 0.05) correct++;
        }
      } else if (at + N <= on && at >= SR / 2) {
        noiseFrames++;
        if (out[0]! > 0) noiseVoiced++;
      }
    }
    return {
      voiced: voiced / frames,
      correct: correct / Math.max(1, voiced),
      noiseVoiced: noiseVoiced / noiseFrames,
    };
  };
  return { fixed: result(new PitchAnalyzer()), adaptive: result(new PitchAnalyzer({ noiseHistory: 150 })) };
}

describe('PitchAnalyzer noise-adaptive voicing (noiseHistory)', () => {
  it('keeps voiced frames voiced in pink noise where the fixed threshold loses them', () => {
    const random = rng(41);
    let lost = 0;
    let recovered = 0;
    for (let i = 0; i < 12; i++) {
      const f0 = 90 + 160 * random();
      const snrDb = 2 + 3 * random();
      const { fixed, adaptive } = noisyGlide(f0, snrDb, i);
      // The raised threshold keeps every frame the fixed one voiced, and the F0 of what it adds is right.
      expect(adaptive.voiced).toBeGreaterThanOrEqual(fixed.voiced);
      expect(adaptive.correct).toBeGreaterThan(0.85);
      // Noise alone stays unvoiced: the frames within 5 dB of the floor keep the fixed threshold.
      expect(adaptive.noiseVoiced).toBeLessThanOrEqual(0.02);
      lost += 1 - fixed.voiced;
      recovered += adaptive.voiced - fixed.voiced;
    }
    expect(lost).toBeGreaterThan(1); // the fixed threshold did lose frames
    expect(recovered / lost).toBeGreaterThan(0.5);
    // For scale, pink noise at 2 dB SNR on a 160 Hz voice (over the 500 Hz low-pass, the noise wins).
    const { fixed, adaptive } = noisyGlide(160, 2, 7);
    expect(fixed.voiced).toBeLessThan(0.5);
    expect(adaptive.voiced).toBeGreaterThan(0.8);
  });

  it('changes nothing where the pauses are digital silence', () => {
    const x = new Float32Array(3 * SR);
    x.set(voiced(130, 1, 1, SR), SR / 2);
    x.set(voiced(210, 2, 1.5, SR), 2 * SR - 4000);
    const fixed = new PitchAnalyzer();
    const adaptive = new PitchAnalyzer({ noiseHistory: 150 });
    const a = new Float32Array(2);
    const b = new Float32Array(2);
    let voicedFrames = 0;
    for (let at = 0; at + N <= x.length; at += 160) {
      fixed.analyze(x, at, a, 0);
      adaptive.analyze(x, at, b, 0);
      expect(b).toEqual(a);
      if (a[0]! > 0) voicedFrames++;
    }
    expect(voicedFrames).toBeGreaterThan(150);
  });

  it('forgets the floor on reset and validates its options', () => {
    const { adaptive: first } = noisyGlide(150, 1, 3);
    const p = new PitchAnalyzer({ noiseHistory: 150 });
    const out = new Float32Array(2);
    const noise = gaussian(5, 20 * N, 0.3);
    for (let at = 0; at + N <= noise.length; at += 160) p.analyze(noise, at, out, 0);
    p.reset();
    const clean = voiced(150, 6);
    const fresh = new PitchAnalyzer({ noiseHistory: 150 });
    const expected = new Float32Array(2);
    fresh.analyze(clean, 0, expected, 0);
    p.analyze(clean, 0, out, 0);
    expect(out).toEqual(expected);
    expect(first.voiced).toBeGreaterThan(0.5);
    expect(() => new PitchAnalyzer({ noiseHistory: -1 })).toThrow(/noiseHistory/);
    expect(() => new PitchAnalyzer({ noiseHistory: 1.5 })).toThrow(/noiseHistory/);
    expect(() => new PitchAnalyzer({ noiseHistory: 150, noiseGain: -1 })).toThrow(/noiseGain/);
    expect(() => new PitchAnalyzer({ noiseHistory: 150, noiseGain: Number.NaN })).toThrow(/noiseGain/);
  });
});

describe('PitchAnalyzer spectral octave check (octaveCheck)', () => {
  const checked = new PitchAnalyzer({ octaveCheck: DEFAULT_OCTAVE_CHECK });

  it('halves an octave-up estimate when the fundamental is missing and the second harmonic dominates', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 100, max: 245, noNaN: true }),
        fc.array(fc.double({ min: 0.15, max: 0.5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.integer(),
        (f0, upper, seed) => {
          // A phone line's voice: nothing below 300 Hz, a first formant on the second harmonic.
          const x = harmonic({ f0, ks: [2, 3, 4, 5], amps: [1, ...upper], seed });
          const { f0: est, prob } = run(checked, x);
          expect(relErr(est, f0)).toBeLessThan(0.02);
          expect(prob).toBeGreaterThan(0.75);
        },
      ),
      { numRuns: 100 },
    );
    // The failure it fixes: without the check, YIN's first dip is the second harmonic's period.
    const phoneLike = harmonic({ f0: 180, ks: [2, 3, 4, 5], amps: [1, 0.25, 0.2, 0.15], seed: 3 });
    expect(relErr(run(new PitchAnalyzer(), phoneLike).f0, 360)).toBeLessThan(0.02);
    expect(relErr(run(checked, phoneLike).f0, 180)).toBeLessThan(0.02);
  });

  it('leaves a full harmonic series where it is, at any F0, tilt and offset', () => {
    fc.assert(
      fc.property(...anyVoicedFrame, (f0, seed, decay, offset) => {
        const x = voiced(f0, seed, decay, N + 500);
        expect(run(checked, x, offset)).toEqual(run(new PitchAnalyzer(), x, offset));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a negative or non-finite ratio', () => {
    expect(() => new PitchAnalyzer({ octaveCheck: -1 })).toThrow(/octaveCheck/);
    expect(() => new PitchAnalyzer({ octaveCheck: Number.POSITIVE_INFINITY })).toThrow(/octaveCheck/);
  });
});

describe('PitchAnalyzer on real speech (RAVDESS)', () => {
  async function track(file: string): Promise<{ median: number; voicedShare: number; f0s: number[] }> {
    const audio = await decode(await readFile(join(corpus, 'ravdess', file)));
    expect(audio.sampleRate).toBe(SR);
    const pcm = audio.channelData[0]!;
    const p = new PitchAnalyzer();
    const out = new Float32Array(2);
    const f0s: number[] = [];
    let frames = 0;
    for (let at = 0; at + N <= pcm.length; at += 160) {
      p.analyze(pcm, at, out, 0);
      frames++;
      expect(out[1]).toBeGreaterThanOrEqual(0);
      expect(out[1]).toBeLessThanOrEqual(1);
      if (out[0]! > 0) f0s.push(out[0]!);
    }
    f0s.sort((a, b) => a - b);
    return { median: f0s[f0s.length >> 1] ?? 0, voicedShare: f0s.length / frames, f0s };
  }

  it('finds the corpus beside the repository', () => {
    expect(existsSync(join(corpus, 'ravdess', 'Actor_01'))).toBe(true);
  });

  it('gives plausible male and female medians and voiced shares', async () => {
    const male = await track('Actor_01/03-01-01-01-01-01-01.flac');
    const female = await track('Actor_02/03-01-01-01-01-01-02.flac');
    expect(male.median).toBeGreaterThan(80);
    expect(male.median).toBeLessThan(180);
    expect(female.median).toBeGreaterThan(150);
    expect(female.median).toBeLessThan(300);
    expect(female.median).toBeGreaterThan(male.median);
    for (const { voicedShare, f0s } of [male, female]) {
      expect(voicedShare).toBeGreaterThan(0.2);
      expect(voicedShare).toBeLessThan(0.8);
      expect(f0s[0]).toBeGreaterThanOrEqual(defaultPitchOptions.fMinHz * 0.98);
      expect(f0s.at(-1)).toBeLessThanOrEqual(defaultPitchOptions.fMaxHz * 1.02);
    }
  });
});
