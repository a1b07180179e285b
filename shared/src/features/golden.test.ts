/**
 * Checks the feature engine against golden data from an independent numpy reference
 * (`shared/testdata/features/gen_golden.py`, float64 throughout). The four signals cover a
 * speech-like voice with a fricative and quiet gaps, a 100 Hz -> 7 kHz chirp, exact digital
 * silence next to noise that straddles the log floor, and two steady tones.
 *
 * Tolerances assume what the engine is meant to do: spectra and reductions in float64 (JS
 * numbers), results stored as float32. A model of such an engine that also rounds to float32
 * between stages (logmel -> mfcc -> delta -> delta2) differed from the reference by at most 6e-5
 * on mfcc, 2e-5 on delta and 1e-5 on delta2, and by nothing beyond float32 rounding elsewhere, so
 * each bound below leaves at least a 15x margin while failing, on these signals, for: a symmetric
 * or rectangular window, centred frames (frame count), HTK mel or a missing Slaney norm, 10 ln
 * instead of 10 log10, `+ amin` instead of `max(·, amin)`, zero-padded deltas, a non-orthonormal
 * DCT, unnormalised chroma, a chroma range excluding 5 kHz, contrast on power instead of
 * magnitude, rolloff at 95 %, rms of the windowed frame, and `sign(0) = 0` or product-based zero
 * crossings. An FFT computed in float32 buffers would fail contrast on `tones` (its valleys are
 * sidelobe minima far below float32 round-off) and mfcc on `tones`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/random.ts';
import { extractFeatures, FeatureExtractor } from './extractor.ts';
import { hzToMelSlaney, melFilterbank, melToHzSlaney } from './mel.ts';

const GOLDEN_FEATURES = [
  'logmel',
  'mfcc',
  'delta',
  'delta2',
  'chroma',
  'contrast',
  'centroid',
  'bandwidth',
  'rolloff',
  'zcr',
  'rms',
] as const;
type GoldenFeature = (typeof GOLDEN_FEATURES)[number];

interface GoldenSignal {
  name: string;
  description: string;
  signal: { file: string; samples: number };
  features: { file: string; shape: [number, number] };
  frames: number;
  /** Frames whose 85 % threshold lies within 1e-4 of the total of a bin edge: one bin of slack. */
  rolloffTieFrames: number[];
  /** Frames whose 400 samples are all exactly zero. */
  silentFrames: number[];
}

interface GoldenManifest {
  options: {
    sampleRate: number;
    winLength: number;
    hopLength: number;
    nFft: number;
    nMels: number;
    fMinHz: number;
    fMaxHz: number;
    nMfcc: number;
    amin: number;
  };
  derived: { binHz: number };
  features: GoldenFeature[];
  layout: Record<GoldenFeature, { offset: number; size: number }>;
  dim: number;
  melFilterbank: { file: string; shape: [number, number] };
  signals: GoldenSignal[];
}

const DATA_DIR = new URL('../../testdata/features/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('golden.json', DATA_DIR), 'utf8')) as GoldenManifest;
const { options, layout } = manifest;
const FLOOR_DB = 10 * Math.log10(options.amin);

/** Reads a little-endian float32 file, whatever the host byte order and buffer alignment. */
function readF32(file: string, length: number): Float32Array {
  const buf = readFileSync(new URL(file, DATA_DIR));
  if (buf.byteLength !== length * 4) {
    throw new Error(`${file}: ${buf.byteLength} bytes, expected ${length * 4}; run gen_golden.py`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Allowed absolute error for one golden value `g` at `frame`, given the golden row `row`. */
type Tolerance = (g: number, frame: number, row: Float32Array) => number;

const FEATURE_TOLERANCES: Record<GoldenFeature, Tolerance> = {
  // Digital silence and sub-floor bands must land exactly on the floor. Bands well above it
  // (10 dB over the floor and within 80 dB of the frame's loudest band) get 1e-3 dB: float32
  // storage of |v| <= 100 is 4e-6 dB, a window or norm slip is >= 1e-2 dB. Near-floor bands get
  // 0.5 dB: exact in float64, but this is where `+ amin` instead of `max` shows (about 2-3 dB).
  logmel: (g, _frame, row) => {
    if (g <= FLOOR_DB + 1e-6) return 1e-4;
    let frameMax = Number.NEGATIVE_INFINITY;
    for (let m = 0; m < options.nMels; m++) frameMax = Math.max(frameMax, row[layout.logmel.offset + m]!);
    return g >= FLOOR_DB + 10 && g >= frameMax - 80 ? 1e-3 : 0.5;
  },
  // A DCT of 64 float32 logmel values (up to |800| for c0) measured 6e-5; 1e-3 is the same budget
  // as logmel, and a non-orthonormal DCT or a wrong band is off by whole units.
  mfcc: () => 1e-3,
  delta: () => 1e-3,
  delta2: () => 1e-3,
  // Ratios in [0, 1]: float32 storage is 6e-8; a missed bin at 5 kHz or a missed normalisation
  // is >= 1e-4.
  chroma: () => 1e-5,
  // dB of magnitude ratios, exact in float64 (measured 0); a wrong band edge or power instead of
  // magnitude moves them by tenths of a dB or more.
  contrast: () => 1e-3,
  // Hz up to 8000: float32 ulp is 5e-4 Hz, float32 spectra measured 3e-3 Hz; a window slip is
  // > 0.1 Hz.
  centroid: () => 0.05,
  bandwidth: () => 0.05,
  // Always a bin frequency (k * 31.25 Hz, exact in float32); one bin of slack only where the
  // generator found the threshold within 1e-4 of the total of a bin edge.
  rolloff: () => 1e-3,
  // Integer counts / 400: any miscounted crossing is 2.5e-3.
  zcr: () => 1e-6,
  // Relative 1e-5 (float32 storage is 6e-8); absolute 1e-9 so silent frames must be 0.
  rms: (g) => 1e-5 * Math.abs(g) + 1e-9,
};

interface Mismatch {
  frame: number;
  index: number;
  expected: number;
  actual: number;
  allowed: number;
}

function compareFeature(
  feature: GoldenFeature,
  signal: GoldenSignal,
  actual: Float32Array,
  golden: Float32Array,
): Mismatch[] {
  const { offset, size } = layout[feature];
  const dim = manifest.dim;
  const ties = new Set(signal.rolloffTieFrames);
  const tolerance = FEATURE_TOLERANCES[feature];
  const mismatches: Mismatch[] = [];
  for (let t = 0; t < signal.frames; t++) {
    const row = golden.subarray(t * dim, (t + 1) * dim);
    for (let i = 0; i < size; i++) {
      const g = row[offset + i]!;
      const a = actual[t * dim + offset + i]!;
      let allowed = tolerance(g, t, row);
      if (feature === 'rolloff' && ties.has(t)) allowed += manifest.derived.binHz;
      // Written so that NaN fails.
      if (!(Math.abs(a - g) <= allowed))
        mismatches.push({ frame: t, index: i, expected: g, actual: a, allowed });
    }
  }
  return mismatches;
}

function describeMismatches(feature: string, signal: string, mismatches: Mismatch[]): string {
  if (mismatches.length === 0) return '';
  const worst = mismatches.reduce((w, m) =>
    Math.abs(m.actual - m.expected) > Math.abs(w.actual - w.expected) ? m : w,
  );
  const show = (m: Mismatch) =>
    `frame ${m.frame} ${feature}[${m.index}]: expected ${m.expected}, got ${m.actual} (allowed ±${m.allowed})`;
  return [
    `${signal}: ${mismatches.length} ${feature} values out of tolerance; worst ${show(worst)}`,
    ...mismatches.slice(0, 5).map(show),
  ].join('\n');
}

const goldenOptions = () => ({ features: [...GOLDEN_FEATURES] });

const loaded = new Map<string, { samples: Float32Array; golden: Float32Array }>();
function load(signal: GoldenSignal): { samples: Float32Array; golden: Float32Array } {
  let entry = loaded.get(signal.name);
  if (!entry) {
    const [frames, dim] = signal.features.shape;
    entry = {
      samples: readF32(signal.signal.file, signal.signal.samples),
      golden: readF32(signal.features.file, frames * dim),
    };
    loaded.set(signal.name, entry);
  }
  return entry;
}

describe('Slaney mel scale', () => {
  it('is linear at 200/3 Hz per mel below 1 kHz and logarithmic (27 mels per factor 6.4) above', () => {
    expect(hzToMelSlaney(0)).toBe(0);
    expect(hzToMelSlaney(500)).toBeCloseTo(7.5, 12);
    expect(hzToMelSlaney(1000)).toBeCloseTo(15, 12);
    expect(hzToMelSlaney(6400)).toBeCloseTo(42, 12);
    expect(hzToMelSlaney(8000)).toBeCloseTo(15 + (27 * Math.log(8)) / Math.log(6.4), 12);
    expect(melToHzSlaney(7.5)).toBeCloseTo(500, 9);
    expect(melToHzSlaney(15)).toBeCloseTo(1000, 9);
    expect(melToHzSlaney(42)).toBeCloseTo(6400, 9);
  });

  it('round-trips hz -> mel -> hz', () => {
    for (let hz = 0; hz <= 8000; hz += 37.5) {
      expect(melToHzSlaney(hzToMelSlaney(hz))).toBeCloseTo(hz, 8);
    }
  });
});

describe('melFilterbank', () => {
  it('matches librosa.filters.mel(htk=False, norm="slaney") as computed by the reference', () => {
    const [rows, cols] = manifest.melFilterbank.shape;
    const golden = readF32(manifest.melFilterbank.file, rows * cols);
    const fb = melFilterbank(options.sampleRate, options.nFft, options.nMels, options.fMinHz, options.fMaxHz);
    expect(fb.length).toBe(rows * cols);
    const peak = golden.reduce((m, v) => Math.max(m, v), 0);
    // Both sides are float64 rounded to float32 (1 ulp = 6e-8 relative); the absolute term covers
    // weights that are 0 on one side and ~1e-17 on the other. A missing Slaney norm or HTK mel
    // changes weights by tens of percent.
    const bad: string[] = [];
    for (let m = 0; m < rows; m++) {
      for (let k = 0; k < cols; k++) {
        const g = golden[m * cols + k]!;
        const a = fb[m * cols + k]!;
        if (!(Math.abs(a - g) <= 1e-5 * Math.abs(g) + 1e-7 * peak))
          bad.push(`W[${m}][${k}] = ${a}, expected ${g}`);
      }
    }
    expect(bad.slice(0, 10), `${bad.length} filterbank weights differ`).toEqual([]);
  });
});

describe('FeatureExtractor layout', () => {
  it('orders the golden features canonically', () => {
    const extractor = new FeatureExtractor(goldenOptions());
    expect(extractor.dim).toBe(manifest.dim);
    for (const feature of GOLDEN_FEATURES)
      expect(extractor.layout[feature], feature).toEqual(layout[feature]);
    expect(extractor.layout.pitch).toBeUndefined();
  });
});

describe('framing', () => {
  it.each([
    [0, 0],
    [399, 0],
    [400, 1],
    [559, 1],
    [560, 2],
  ])('%i samples give %i frames (no centring, no padding)', (n, frames) => {
    const block = extractFeatures(new Float32Array(n), goldenOptions());
    expect(block.frames).toBe(frames);
    expect(block.data.length).toBe(frames * manifest.dim);
  });
});

describe.each(manifest.signals)('golden signal $name', (signal) => {
  const offline = () => {
    const { samples } = load(signal);
    return extractFeatures(samples, goldenOptions());
  };
  let cached: ReturnType<typeof extractFeatures> | undefined;
  const block = () => {
    cached ??= offline();
    return cached;
  };

  it('has the golden frame count and shape', () => {
    const b = block();
    expect(b.startFrame).toBe(0);
    expect(b.frames).toBe(signal.frames);
    expect(b.dim).toBe(manifest.dim);
    expect(b.data.length).toBe(signal.frames * manifest.dim);
  });

  it.each(GOLDEN_FEATURES)('%s matches the reference', (feature) => {
    const { golden } = load(signal);
    const mismatches = compareFeature(feature, signal, block().data, golden);
    expect(mismatches.length, describeMismatches(feature, signal.name, mismatches)).toBe(0);
  });

  if (signal.silentFrames.length > 0) {
    it('puts digital silence exactly on the floor', () => {
      const { data } = block();
      for (const t of signal.silentFrames) {
        const row = data.subarray(t * manifest.dim, (t + 1) * manifest.dim);
        const slice = (f: GoldenFeature) =>
          Array.from(row.subarray(layout[f].offset, layout[f].offset + layout[f].size));
        expect(slice('logmel'), `frame ${t}`).toEqual(new Array(options.nMels).fill(FLOOR_DB));
        expect(row[layout.mfcc.offset], `frame ${t}`).toBeCloseTo(FLOOR_DB * Math.sqrt(options.nMels), 3);
        for (const f of ['chroma', 'contrast', 'centroid', 'bandwidth', 'rolloff', 'zcr', 'rms'] as const) {
          expect(slice(f), `frame ${t} ${f}`).toEqual(new Array(layout[f].size).fill(0));
        }
      }
    });
  }

  it('gives the same numbers when streamed in random chunks', () => {
    const { samples } = load(signal);
    const reference = block().data;
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const special = [0, 1, 2, 159, 160, 161, 399, 400, 401];
      const extractor = new FeatureExtractor(goldenOptions());
      const parts: Float32Array[] = [];
      let frames = 0;
      const collect = (b: ReturnType<typeof extractFeatures>) => {
        if (b.frames > 0) expect(b.startFrame, `seed ${seed}`).toBe(frames);
        expect(b.data.length).toBe(b.frames * manifest.dim);
        frames += b.frames;
        parts.push(b.data);
      };
      let pos = 0;
      while (pos < samples.length) {
        const size =
          random() < 0.3 ? special[Math.floor(random() * special.length)]! : Math.floor(random() * 3000);
        collect(extractor.push(samples.subarray(pos, pos + size)));
        pos += size;
      }
      collect(extractor.flush());
      expect(frames, `seed ${seed}`).toBe(signal.frames);
      const streamed = new Float32Array(frames * manifest.dim);
      let at = 0;
      for (const p of parts) {
        streamed.set(p, at);
        at += p.length;
      }
      // Same arithmetic on the same samples: bit-identical, not merely close.
      const first = streamed.findIndex((v, i) => v !== reference[i]);
      expect(
        first,
        first < 0
          ? ''
          : `seed ${seed}: frame ${Math.floor(first / manifest.dim)} index ${first % manifest.dim}: ` +
              `${streamed[first]} streamed vs ${reference[first]} offline`,
      ).toBe(-1);
    }
  });
});
