import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';
import { goldenClip } from './test-helpers.ts';
import {
  type AugmentationStep,
  applyGain,
  augmentWaveform,
  defaultWaveformPolicy,
  describeSteps,
  resolveWaveformPolicy,
  SOFT_CLIP_KNEE,
  timeShift,
} from './waveform.ts';

const samples = fc.float32Array({ maxLength: 400, noNaN: true, noDefaultInfinity: true, min: -4, max: 4 });

describe('applyGain', () => {
  it('stays inside (−1, 1) for any gain, is exact below the knee and monotonic', () => {
    fc.assert(
      fc.property(samples, fc.double({ min: -60, max: 60, noNaN: true }), (x, gainDb) => {
        const copy = Float32Array.from(x);
        const y = applyGain(x, gainDb);
        expect(x).toEqual(copy);
        const g = 10 ** (gainDb / 20);
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(y[i]!)).toBeLessThanOrEqual(1);
          expect(Math.sign(y[i]!)).toBe(Math.sign(Math.fround(x[i]! * g)));
          if (Math.abs(x[i]! * g) <= SOFT_CLIP_KNEE) expect(y[i]).toBe(Math.fround(x[i]! * g));
        }
        const order = Array.from(x.keys()).sort((a, b) => x[a]! - x[b]!);
        for (let k = 1; k < order.length; k++)
          expect(y[order[k]!]!).toBeGreaterThanOrEqual(y[order[k - 1]!]!);
      }),
    );
  });

  it('bends smoothly: no flat tops, slope continuous at the knee', () => {
    const y = applyGain(new Float32Array([0.8, 0.8001, 1, 2, 10]), 0);
    expect((y[1]! - y[0]!) / 0.0001).toBeCloseTo(1, 2);
    expect(y[2]).toBeLessThan(y[3]!);
    expect(y[3]).toBeLessThan(y[4]!);
    expect(y[4]).toBeLessThanOrEqual(1);
    expect(() => applyGain(new Float32Array(1), Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it.skipIf(!hasData)('+6 dB on shouted speech is exact below the knee and soft above it', async () => {
    const clip = await goldenClip();
    const y = applyGain(clip, 6);
    const g = 10 ** (6 / 20);
    let bent = 0;
    let wrong = 0;
    for (let i = 0; i < clip.length; i++) {
      if (Math.abs(clip[i]! * g) > SOFT_CLIP_KNEE) bent++;
      else if (y[i] !== Math.fround(clip[i]! * g)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(y.every((v) => Math.abs(v) < 1)).toBe(true);
    // The clip peaks at 0.8, so +6 dB takes a few dozen samples past the knee: rare, bent, never flat.
    expect(bent).toBeGreaterThan(0);
    expect(bent / clip.length).toBeLessThan(0.01);
  });
});

describe('timeShift', () => {
  it('pads each end by up to maxShiftS and keeps the clip intact in between', () => {
    // A tone with a quiet 0.1 s lead-in, whose level (−63 dBFS) is the clip's noise floor.
    const x = Float32Array.from({ length: 8000 }, (_, i) => (i < 1600 ? 1e-3 : 0.5) * Math.sin(i / 7));
    const copy = Float32Array.from(x);
    const lengths = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const { samples: y, leadSamples, trailSamples } = timeShift(x, new Rng(seed), { maxShiftS: 0.1 });
      expect(x).toEqual(copy);
      expect(leadSamples).toBeGreaterThanOrEqual(0);
      expect(leadSamples).toBeLessThanOrEqual(1600);
      expect(trailSamples).toBeLessThanOrEqual(1600);
      expect(y.length).toBe(x.length + leadSamples + trailSamples);
      expect(y.subarray(leadSamples, leadSamples + x.length)).toEqual(x);
      // Padding is noise at the level of the quietest part of the clip.
      const pad = [...y.subarray(0, leadSamples), ...y.subarray(leadSamples + x.length)];
      expect(pad.every((v) => Math.abs(v) < 0.01)).toBe(true);
      lengths.add(leadSamples);
      expect(timeShift(x, new Rng(seed), { maxShiftS: 0.1 }).samples).toEqual(y);
    }
    expect(lengths.size).toBeGreaterThan(15);
    const silent = timeShift(x, new Rng(1), { maxShiftS: 0.1, pad: 'silence' });
    expect(silent.samples.subarray(0, silent.leadSamples).every((v) => v === 0)).toBe(true);
  });
});

describe('policy', () => {
  it('merges overrides stage by stage and rejects nonsense', () => {
    const p = resolveWaveformPolicy({ noise: { p: 1 } });
    expect(p.noise.p).toBe(1);
    expect(p.noise.snrDb).toEqual(defaultWaveformPolicy.noise.snrDb);
    expect(p.gain).toEqual(defaultWaveformPolicy.gain);
    expect(() => resolveWaveformPolicy({ gain: { p: 1.5 } })).toThrow(TypeError);
    expect(() => resolveWaveformPolicy({ speed: { factor: [1.1, 0.9] } })).toThrow(TypeError);
    expect(() => resolveWaveformPolicy({ reverb: { rt60S: [0, 9] } })).toThrow(TypeError);
    expect(() =>
      resolveWaveformPolicy({ noise: { kinds: { white: -1, pink: 1, brown: 1, babble: 1 } } }),
    ).toThrow(TypeError);
  });

  it('describes chains for logs', () => {
    const steps: AugmentationStep[] = [
      { kind: 'speed', factor: 1.0432 },
      { kind: 'noise', noise: 'pink', snrDb: 12.34 },
      { kind: 'gain', db: -3.44 },
    ];
    expect(describeSteps(steps)).toBe('speed ×1.043 → noise pink 12.3 dB → gain -3.4 dB');
    expect(describeSteps([])).toBe('clean');
  });
});

describe.skipIf(!hasData)('augmentWaveform on real speech', () => {
  const babbleSources = async () =>
    Promise.all(
      [3, 4, 5].map((a) => loadClip(ravdessPath(a, `03-01-02-01-01-01-${String(a).padStart(2, '0')}`))),
    );

  it('is reproducible from the seed, varies with it, and never mutates its input', async () => {
    const clip = await goldenClip();
    const copy = Float32Array.from(clip);
    const sources = await babbleSources();
    const run = (seed: number) => augmentWaveform(clip, new Rng(seed), {}, { babbleSources: sources });
    const a = await run(1);
    const b = await run(1);
    expect(a.samples).toEqual(b.samples);
    expect(a.steps).toEqual(b.steps);
    expect((await run(2)).description).not.toBe(a.description);
    expect(clip).toEqual(copy);
    // One generator reused for two clips gives two different chains.
    const rng = new Rng(1);
    const first = await augmentWaveform(clip, rng, {}, { babbleSources: sources });
    const second = await augmentWaveform(clip, rng, {}, { babbleSources: sources });
    expect(second.description).not.toBe(first.description);
  });

  it('applies stages in order, logs them, and stays in range', async () => {
    const clip = await goldenClip();
    const sources = await babbleSources();
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 40; seed++) {
      const out = await augmentWaveform(clip, new Rng(seed), {}, { babbleSources: sources });
      const order = ['timeShift', 'speed', 'pitch', 'reverb', 'noise', 'telephone', 'gain', 'softClip'];
      const kinds = out.steps.map((s) => s.kind);
      expect(kinds).toEqual([...kinds].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
      expect(kinds.includes('speed') && kinds.includes('pitch')).toBe(false);
      for (const k of kinds) seen.set(k, (seen.get(k) ?? 0) + 1);
      expect(out.samples.every((v) => Math.abs(v) <= 1)).toBe(true);
      expect(out.samples.length).toBeGreaterThan(clip.length * 0.85);
      expect(out.description).toBe(describeSteps(out.steps));
    }
    for (const k of ['timeShift', 'speed', 'noise', 'gain']) expect(seen.get(k)).toBeGreaterThan(8);
    for (const k of ['pitch', 'reverb', 'telephone']) expect(seen.get(k)).toBeGreaterThan(0);
  }, 120_000);

  it("toggling one stage leaves the others' draws unchanged", async () => {
    const clip = await goldenClip();
    const all = {
      timeShift: { p: 0 },
      speed: { p: 0 },
      pitch: { p: 0 },
      reverb: { p: 0 },
      telephone: { p: 0 },
    };
    const a = await augmentWaveform(clip, new Rng(5), {
      ...all,
      noise: { p: 1, kinds: { white: 1, pink: 0, brown: 0, babble: 0 } },
      gain: { p: 1 },
    });
    const b = await augmentWaveform(clip, new Rng(5), { ...all, noise: { p: 0 }, gain: { p: 1 } });
    expect(a.steps.at(-1)).toEqual(b.steps.at(-1));
    expect(a.steps[0]).toMatchObject({ kind: 'noise', noise: 'white' });
  });

  it('never picks babble without sources', async () => {
    const clip = await goldenClip();
    const policy = { noise: { p: 1, kinds: { white: 0, pink: 1, brown: 0, babble: 10 } } };
    for (let seed = 0; seed < 10; seed++) {
      const out = await augmentWaveform(clip, new Rng(seed), policy);
      expect(out.steps.find((s) => s.kind === 'noise')).toMatchObject({ noise: 'pink' });
    }
  });
});
