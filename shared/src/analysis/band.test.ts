import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resampleOffline } from '../audio/resample.ts';
import { hasData, loadClip, ravdessPath } from '../testing/corpus.ts';
import { linearUpsample2x as linearUp, tone, whiteNoise } from '../testing/signals.ts';
import { BandDetector, watchBandDetectorOptions } from './band.ts';

/** Feeds `x` in VAD frames; the band and where it was decided (samples), or undefined. */
function detect(x: Float32Array, chunk = 1536, d = new BandDetector()) {
  for (let i = 0; i < x.length; i += chunk) {
    const band = d.push(x.subarray(i, Math.min(x.length, i + chunk)));
    if (band !== undefined) return { band, at: Math.min(x.length, i + chunk), db: d.upperBandDb };
  }
  return undefined;
}

const CLIPS = [
  ravdessPath(1, '03-01-05-02-01-01-01'),
  ravdessPath(20, '03-01-04-01-02-02-20'),
  ravdessPath(22, '03-01-03-02-01-02-22'),
];

describe('BandDetector', () => {
  it.runIf(hasData)(
    'calls 16 kHz speech wideband and the same speech through an 8 kHz call narrowband',
    async () => {
      for (const path of CLIPS) {
        const x = await loadClip(path);
        const wide = detect(x);
        expect(wide?.band, path).toBe('wideband');
        expect(wide!.db).toBeGreaterThan(-40);
        const call = await resampleOffline(await resampleOffline(x, 16000, 8000), 8000, 16000);
        const narrow = detect(call);
        expect(narrow?.band, path).toBe('narrowband');
        expect(narrow!.db).toBeLessThan(-80);
        // Decided from about half a second of loud sound, well before the clip ends.
        expect(narrow!.at).toBeLessThan(x.length - 8000);
      }
    },
  );

  it('does not decide on silence or on sound below its floor, and decides once', () => {
    expect(detect(new Float32Array(16000 * 5))).toBeUndefined();
    expect(detect(tone(16000, 1000, 16000 * 5, 1e-4))).toBeUndefined();
    const d = new BandDetector();
    const noise = whiteNoise(16000 * 2, 0.1);
    expect(detect(noise, 1536, d)?.band).toBe('wideband');
    // Later audio changes nothing: the band is the stream's for good.
    expect(d.push(tone(16000, 1000, 16000 * 2))).toBeUndefined();
    expect(d.band).toBe('wideband');
  });

  it('counts only blocks near the loudest, so the noise between words does not decide', () => {
    // Telephone-band bursts (a 700 Hz tone, two blocks each) with wideband hiss 31 dB down in the gaps between them,
    // as on a line whose noise is not band-limited. Counted, the hiss blocks would put the upper band
    // at about -35 dB (wideband); only the bursts count, and they carry nothing above 4 kHz.
    const hiss = whiteNoise(16000 * 6, 0.02);
    const x = hiss.map((h, i) =>
      Math.floor(i / 1024) % 2 === 0 ? 0.3 * Math.sin((2 * Math.PI * 700 * i) / 16000) : h,
    );
    expect(detect(x)?.band).toBe('narrowband');
    expect(detect(x, 1536, new BandDetector({ activeWithinDb: 60 }))?.band).toBe('wideband');
  });

  it('decides the same whatever the chunking', () => {
    const x = Float32Array.from(
      { length: 16000 * 2 },
      (_, i) => 0.2 * Math.sin(i * 0.3) + 0.05 * Math.sin(i * 2.7),
    );
    const whole = new BandDetector();
    whole.push(x);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const d = new BandDetector();
        let pos = 0;
        for (let k = 0; pos < x.length; k++) {
          const n = sizes[k % sizes.length]!;
          d.push(x.subarray(pos, pos + n));
          pos += n;
        }
        expect(d.band).toBe(whole.band);
        expect(d.upperBandDb).toBe(whole.upperBandDb);
      }),
      { numRuns: 50 },
    );
    // 0.05 x sin(2.7 n) sits at 6.9 kHz, 12 dB under the 760 Hz tone: wideband.
    expect(whole.band).toBe('wideband');
  });

  it('finds audio upsampled without a filter by its sample parity, at either phase', () => {
    // White noise at 8 kHz, brought to 16 kHz by linear interpolation or by repeating each sample: its
    // images fill the upper band (the band test alone says wideband), but one sample parity is exact.
    const y = whiteNoise(8000 * 2, 0.1);
    const linear = linearUp(y);
    const repeated = Float32Array.from({ length: 2 * y.length }, (_, i) => y[i >> 1]!);
    for (const [name, x] of [
      ['linear', linear],
      ['repeated', repeated],
      ['linear, odd phase', linear.subarray(1)],
      ['repeated, odd phase', repeated.subarray(1)],
    ] as const) {
      const d = new BandDetector();
      expect(detect(x, 1536, d)?.band, name).toBe('narrowband');
      expect(d.upperBandDb, name).toBeGreaterThan(-50);
      expect(d.upsampledDb, name).toBeLessThan(-100);
    }
    // White noise recorded at 16 kHz has no parity.
    const d = new BandDetector();
    expect(detect(whiteNoise(16000 * 2, 0.1), 1536, d)?.band).toBe('wideband');
    expect(Math.abs(d.upsampledDb)).toBeLessThan(1);
    // The test can be switched off.
    expect(detect(linear, 1536, new BandDetector({ upsampledBelowDb: Number.NEGATIVE_INFINITY }))?.band).toBe(
      'wideband',
    );
  });

  it.runIf(hasData)(
    'finds a linearly upsampled call in real speech, also in 16-bit samples at a quiet level',
    async () => {
      for (const path of CLIPS) {
        const x = await loadClip(path);
        const wide = new BandDetector();
        detect(x, 1536, wide);
        expect(wide.upsampledDb, path).toBeGreaterThan(-6);
        const call = linearUp(await resampleOffline(x, 16000, 8000));
        const d = new BandDetector();
        expect(detect(call, 1536, d)?.band, path).toBe('narrowband');
        expect(d.upperBandDb, path).toBeGreaterThan(-50);
        // 16-bit rounding leaves half a step at the interpolated samples: still far under -30.
        let p = 0;
        for (const v of call) p += v * v;
        const g = 0.01 / Math.sqrt(p / call.length);
        const quiet = call.map((v) => Math.round(v * g * 32768) / 32768);
        const q = new BandDetector();
        expect(detect(quiet, 1536, q)?.band, path).toBe('narrowband');
        expect(q.upsampledDb, path).toBeLessThan(-35);
      }
    },
  );

  it('rejects options that leave a band empty or a stride that is not a whole count', () => {
    expect(() => new BandDetector({ upperBandHz: [5000, 4000] })).toThrow(TypeError);
    expect(() => new BandDetector({ blockStride: 0 })).toThrow(RangeError);
    expect(() => new BandDetector({ blockStride: 1.5 })).toThrow(RangeError);
  });

  it.runIf(hasData)('watch options: reading a part of the blocks still tells the bands apart', async () => {
    for (const path of CLIPS) {
      const x = await loadClip(path);
      // Six times the clip: enough loud blocks for any watch setting.
      const long = new Float32Array(6 * x.length);
      for (let k = 0; k < 6; k++) long.set(x, k * x.length);
      const call = await resampleOffline(await resampleOffline(long, 16000, 8000), 8000, 16000);
      const every = new BandDetector({ minActiveBlocks: 90 });
      const watch = new BandDetector(watchBandDetectorOptions);
      const wide = detect(long, 1536, watch);
      expect(wide?.band, path).toBe('wideband');
      expect(detect(call, 1536, new BandDetector(watchBandDetectorOptions))?.band, path).toBe('narrowband');
      // Reading a part of the blocks keeps wideband speech as far from the threshold as reading
      // every block does.
      detect(long, 1536, every);
      expect(watch.upperBandDb, path).toBeGreaterThan(-45);
      expect(every.upperBandDb, path).toBeGreaterThan(-45);
    }
  });
});
