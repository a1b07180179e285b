/**
 * Overload and failure against a real server and real speech: every overload is visible and bounded,
 * and nothing the server accepted is silently lost.
 *
 * - An audio flood beyond `maxRealtimeFactor` and its burst is cut off with `RATE_LIMITED` (4029),
 *   after the audio accepted before it is analysed and summarised.
 * - A subscriber that stops reading never stalls the pipeline or another subscriber: its queue is
 *   bounded, the oldest events are dropped and counted, and past `subscriberMaxDropped` it is
 *   disconnected.
 * - A tiny inference batcher under many fast streams sheds windows with `overloaded` events (every
 *   window is either analysed or reported as shed) and serves normally once the load is gone.
 * - An engine failure fails only the windows of that batch, with non-fatal `INFERENCE_FAILED`.
 * - A client that vanishes mid-stream still gets its audio analysed and summarised for subscribers.
 */

import { type RunningServer, type ServerOptions, startServer } from '@emostream/server/app';
import { encodePcm } from '@emostream/shared/audio/pcm';
import { CLOSE_CODES } from '@emostream/shared/protocol/codes';
import type {
  EmotionEvent,
  ServerEvent,
  StreamsResponse,
  SubscriberEvent,
  SummaryEvent,
} from '@emostream/shared/protocol/messages';
import { subscribeEvents } from '@emostream/shared/sdk/index';
import { hasData, loadClip, ravdessActorFiles, ravdessPath } from '@emostream/shared/testing/corpus';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, DEFAULT_MODEL, ofType, type StreamRun, streamAudio } from './harness.ts';

const ioFn = io as unknown as Parameters<typeof subscribeEvents>[1]['io'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** A clip without its leading and trailing silence (20 ms frames under 5% of the peak RMS). */
function trim(x: Float32Array): Float32Array {
  const f = 320;
  const rms: number[] = [];
  for (let i = 0; i + f <= x.length; i += f) {
    let s = 0;
    for (let j = i; j < i + f; j++) s += x[j]! * x[j]!;
    rms.push(Math.sqrt(s / f));
  }
  const max = Math.max(...rms);
  const on = rms.map((r) => r > max * 0.05);
  return x.slice(Math.max(0, on.indexOf(true) - 3) * f, Math.min(rms.length, on.lastIndexOf(true) + 4) * f);
}

/** Real sentences back to back: one long speech segment, so windows come every hop. */
async function continuousSpeech(actor: number, clips: number): Promise<Float32Array> {
  return concat((await Promise.all(ravdessActorFiles(actor).slice(0, clips).map(loadClip))).map(trim));
}

/** A sample of a Prometheus counter or gauge (summed over label sets matching `labels`). */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm')))
    if ((m[1] ?? '').includes(labels)) sum += Number(m[2]);
  return sum;
}

const serve = (o: ServerOptions = {}) =>
  startServer({ port: 0, logLevel: 'silent', modelDir: DEFAULT_MODEL, ...o });
const windowKey = (e: { startMs: number; endMs: number }) => `${e.startMs}-${e.endMs}`;
const errorCodes = (r: StreamRun) => ofType(r, 'error').map((e) => `${e.code}:${e.fatal}`);
const summaryOf = (r: StreamRun) => ofType(r, 'summary')[0];

describe.runIf(hasData)('audio flood', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await serve({ limits: { maxRealtimeFactor: 2, rateBurstSeconds: 3 } });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('cuts off a client beyond maxRealtimeFactor and its burst with RATE_LIMITED, after summarising what it accepted', async () => {
    const speech = await continuousSpeech(5, 6);
    const clip = await loadClip(ravdessPath(6, '03-01-05-01-01-01-06'));
    // A well-behaved stream within the rate shares the server meanwhile.
    const polite = streamAudio(srv.url, clip, { speed: 1.5 });

    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/v1/stream`);
    const events: ServerEvent[] = [];
    ws.on('message', (d) => events.push(JSON.parse(d.toString())));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ type: 'start', sampleRate: 16000, encoding: 'pcm_s16le', channels: 1 }));
    const bytes = encodePcm(speech, 'pcm_s16le');
    for (let i = 0; i < bytes.length; i += 640) ws.send(bytes.subarray(i, i + 640));
    expect(await closed).toBe(CLOSE_CODES.TOO_MANY_REQUESTS);

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ready');
    expect(types.slice(-2)).toEqual(['summary', 'error']);
    const error = events.at(-1) as Extract<ServerEvent, { type: 'error' }>;
    expect([error.code, error.fatal]).toEqual(['RATE_LIMITED', true]);
    const summary = events.at(-2) as SummaryEvent;
    expect(summary.endReason).toBe('RATE_LIMITED');
    // The burst (3 s) and what refilled while sending were accepted, in whole messages, and analysed.
    expect(summary.durationMs).toBeGreaterThanOrEqual(3000);
    expect(summary.durationMs).toBeLessThan(speech.length / 16);
    expect(summary.durationMs % 20).toBe(0);
    expect(summary.counts.bytes).toBe(summary.durationMs * 32);
    expect(summary.speechMs).toBeGreaterThan(0);
    expect(summary.windows).toBeGreaterThanOrEqual(1);
    expect(summary.windows).toBe(events.filter((e) => e.type === 'emotion').length);

    const p = await polite;
    expect(errorCodes(p)).toEqual([]);
    expect(summaryOf(p)?.endReason).toBe('stop');
    expect(await metric(srv.url, 'emostream_errors_total', 'code="RATE_LIMITED"')).toBe(1);
  });
});

describe.runIf(hasData)('slow subscriber', () => {
  let srv: RunningServer;
  const bufferEvents = 40;
  const maxDropped = 150;
  beforeAll(async () => {
    srv = await serve({ subscriberBufferEvents: bufferEvents, subscriberMaxDropped: maxDropped });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('drops the oldest events of a subscriber that stops reading, then disconnects it, without stalling anyone else', async () => {
    const speech = await continuousSpeech(7, 8);
    const normal = subscribeEvents(srv.url, { all: true, io: ioFn });
    const seen: Array<{ e: SubscriberEvent; at: number }> = [];
    for (const t of ['stream.start', 'stream.end', 'speech', 'emotion', 'overloaded'] as const)
      normal.on(t, (e) => seen.push({ e: e as SubscriberEvent, at: Date.now() }));
    await normal.ready;

    // A socket.io client on long-polling that stops polling: the server can no longer write to it.
    const slow = io(`${srv.url}/v1/events`, { transports: ['polling'], reconnection: false });
    let slowGot = 0;
    slow.onAny(() => slowGot++);
    const slowDisconnected = new Promise<string>((r) => slow.on('disconnect', (reason) => r(reason)));
    await new Promise<void>((r) => slow.on('connect', () => r()));
    await new Promise((r) => slow.emit('subscribe', { all: true }, r));
    const transport = (slow.io as unknown as { engine: { transport: PollingTransport } }).engine.transport;
    transport.pause(() => undefined); // takes effect once the poll in flight returns
    expect(srv.context.hub.count).toBe(2);

    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        streamAudio(srv.url, speech, { speed: 8, streamId: `fast-${i}`, options: { hopMs: 200 } }),
      ),
    );
    const total = runs.reduce(
      (n, r) => n + r.events.filter((e) => ['speech', 'emotion', 'overloaded'].includes(e.type)).length + 2,
      0,
    );
    expect(total).toBeGreaterThan(64 + bufferEvents + maxDropped);

    // Every stream ran normally.
    for (const r of runs) {
      expect(errorCodes(r).filter((c) => c.endsWith(':true'))).toEqual([]);
      expect(summaryOf(r)?.endReason).toBe('stop');
      expect(summaryOf(r)?.windows).toBe(ofType(r, 'emotion').length);
    }
    // The normal subscriber got every event of every stream, promptly.
    await until(() => seen.filter(({ e }) => e.type === 'stream.end').length === runs.length);
    for (const r of runs) {
      const own = r.events.filter((e) => ['speech', 'emotion', 'overloaded'].includes(e.type));
      const fanned = seen
        .map(({ e }) => e)
        .filter((e) => e.streamId === r.streamId && ['speech', 'emotion', 'overloaded'].includes(e.type));
      expect(fanned).toEqual(own);
    }
    const lateness = seen.flatMap(({ e, at }) => ('emittedAt' in e ? [at - e.emittedAt] : []));
    expect(lateness.length).toBeGreaterThan(maxDropped);
    expect(Math.max(...lateness)).toBeLessThan(2000);

    // The slow one: bounded queue, drops counted, disconnected past the limit.
    expect(await metric(srv.url, 'emostream_subscriber_dropped_total')).toBeGreaterThan(maxDropped);
    expect(srv.context.hub.count).toBe(1);
    expect(await metric(srv.url, 'emostream_subscribers')).toBe(1);
    const before = slowGot;
    transport.readyState = 'open';
    transport._poll();
    expect(await slowDisconnected).toBe('io server disconnect');
    // It never received more than what the transport held when it stopped reading.
    expect(slowGot).toBeLessThan(total - maxDropped);
    expect(slowGot - before).toBeLessThanOrEqual(64 + 1);
    normal.close();
  });
});

interface PollingTransport {
  readyState: string;
  pause(onPause: () => void): void;
  _poll(): void;
}

describe.runIf(hasData)('inference overload', () => {
  it('sheds windows with overloaded events under load, accounts for every window, and recovers', async () => {
    const speech = await continuousSpeech(5, 8);
    const short = await continuousSpeech(8, 4);
    const options = { hopMs: 200 };
    // What each stream gives when nothing is shed.
    const ref = await serve();
    const reference = await streamAudio(ref.url, speech, { speed: 8, options });
    const referenceShort = await streamAudio(ref.url, short, { speed: 8 });
    await ref.close();
    const refWindows = ofType(reference, 'emotion').map(windowKey);
    expect(refWindows.length).toBeGreaterThan(30);

    const srv = await serve({
      batcher: { maxBatchSize: 1, maxQueueSize: 1, maxQueueDelayMs: 0, maxWaitMs: 50 },
    });
    try {
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          streamAudio(srv.url, speech, { speed: 8, streamId: `load-${i}`, options }),
        ),
      );
      let shedTotal = 0;
      for (const r of runs) {
        const emotions = ofType(r, 'emotion');
        const overloaded = ofType(r, 'overloaded');
        // Every window is analysed or reported shed, exactly once.
        const accounted = [...emotions.map(windowKey), ...overloaded.map(windowKey)].sort();
        expect(accounted).toEqual([...refWindows].sort());
        for (const o of overloaded) expect(['queue_full', 'deadline']).toContain(o.reason);
        expect(emotions.map((e) => e.seq)).toEqual(emotions.map((_, i) => i));
        const summary = summaryOf(r)!;
        expect(summary.endReason).toBe('stop');
        expect(summary.windows).toBe(emotions.length);
        expect(summary.counts.shed).toBe(overloaded.reduce((n, o) => n + o.shed, 0));
        // Only warnings: LAGGING may precede shedding.
        expect(errorCodes(r).filter((c) => c !== 'LAGGING:false')).toEqual([]);
        shedTotal += summary.counts.shed;
      }
      expect(shedTotal).toBeGreaterThan(0);
      expect(await metric(srv.url, 'emostream_windows_shed_total')).toBe(shedTotal);

      // Load gone: a new stream is analysed in full.
      await until(
        () => srv.context.batcher.stats().queued === 0 && srv.context.batcher.stats().inFlight === 0,
      );
      const after = await streamAudio(srv.url, short, { speed: 4 });
      expect(errorCodes(after)).toEqual([]);
      expect(summaryOf(after)?.counts.shed).toBe(0);
      expect(ofType(after, 'emotion').map(windowKey)).toEqual(
        ofType(referenceShort, 'emotion').map(windowKey),
      );
    } finally {
      await srv.close();
    }
  });
});

describe.runIf(hasData)('engine failure and abrupt disconnect', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await serve();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('fails only the windows of a failed batch, with non-fatal INFERENCE_FAILED, and keeps serving', async () => {
    const audio = [
      await continuousSpeech(9, 5),
      await continuousSpeech(10, 5),
      await continuousSpeech(11, 5),
    ];
    const go = (tag: string) =>
      Promise.all(
        audio.map((a, i) =>
          streamAudio(srv.url, a, { speed: 8, streamId: `${tag}-${i}`, options: { hopMs: 500 } }),
        ),
      );
    const reference = await go('ref');

    // Fault injection into the real engine: the 3rd call throws, the 7th rejects.
    const engine = srv.context.pkg.engine;
    const infer = engine.infer;
    let calls = 0;
    const failed: number[] = [];
    engine.infer = (input: Float32Array, n: number) => {
      calls++;
      if (calls === 3) {
        failed.push(n);
        throw new Error('injected engine fault (throw)');
      }
      if (calls === 7) {
        failed.push(n);
        return Promise.reject(new Error('injected engine fault (reject)'));
      }
      return infer.call(engine, input, n);
    };
    let faulted: StreamRun[];
    try {
      faulted = await go('faulty');
    } finally {
      engine.infer = infer;
    }
    expect(failed.length).toBe(2);

    let failures = 0;
    faulted.forEach((r, i) => {
      const refEmotions = new Map(ofType(reference[i]!, 'emotion').map((e) => [windowKey(e), e]));
      const emotions = ofType(r, 'emotion');
      const codes = errorCodes(r);
      expect(codes.every((c) => c === 'INFERENCE_FAILED:false')).toBe(true);
      // The windows that were analysed are exactly as without the fault; the rest failed, visibly.
      for (const e of emotions) {
        const want = refEmotions.get(windowKey(e)) as EmotionEvent;
        expect(want).toBeDefined();
        expect(e.label).toBe(want.label);
        for (const k of Object.keys(want.scores))
          expect(Math.abs(e.scores[k]! - want.scores[k]!)).toBeLessThan(1e-4);
      }
      expect(emotions.length + codes.length).toBe(refEmotions.size);
      expect(emotions.map((e) => e.seq)).toEqual(emotions.map((_, j) => j));
      const summary = summaryOf(r)!;
      expect(summary.endReason).toBe('stop');
      expect(summary.windows).toBe(emotions.length);
      expect(r.events.at(-1)?.type).toBe('summary');
      failures += codes.length;
    });
    expect(failures).toBe(failed[0]! + failed[1]!);
    expect(await metric(srv.url, 'emostream_errors_total', 'code="INFERENCE_FAILED"')).toBe(failures);

    // The service goes on: the same audio again gives the reference windows.
    const again = await streamAudio(srv.url, audio[0]!, { speed: 8, options: { hopMs: 500 } });
    expect(errorCodes(again)).toEqual([]);
    expect(ofType(again, 'emotion').map(windowKey)).toEqual(ofType(reference[0]!, 'emotion').map(windowKey));
  });

  it('summarises for subscribers a stream whose client vanished, covering all the audio it sent', async () => {
    const clip = await loadClip(ravdessPath(12, '03-01-05-01-01-01-12'));
    const sub = subscribeEvents(srv.url, { streams: ['abrupt-1'], io: ioFn });
    const seen: SubscriberEvent[] = [];
    for (const t of ['stream.start', 'stream.end', 'speech', 'emotion'] as const)
      sub.on(t, (e) => seen.push(e as SubscriberEvent));
    await sub.ready;

    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise((r) => ws.on('open', r));
    ws.send(
      JSON.stringify({
        type: 'start',
        sampleRate: 16000,
        encoding: 'pcm_s16le',
        channels: 1,
        streamId: 'abrupt-1',
      }),
    );
    const sentMs = 2500;
    const bytes = encodePcm(clip.subarray(0, sentMs * 16), 'pcm_s16le');
    for (let i = 0; i < bytes.length; i += 640) {
      ws.send(bytes.subarray(i, i + 640));
      if (i % 6400 === 0) await sleep(10);
    }
    // Once the server holds all of it, the client vanishes without a close handshake.
    await until(async () => {
      const list = (await (await fetch(`${srv.url}/v1/streams`)).json()) as StreamsResponse;
      return list.streams.find((s) => s.streamId === 'abrupt-1')?.receivedMs === sentMs;
    });
    ws.terminate();

    await until(() => seen.some((e) => e.type === 'stream.end'));
    const end = seen.find((e) => e.type === 'stream.end') as Extract<SubscriberEvent, { type: 'stream.end' }>;
    expect(end.summary.endReason).toBe('disconnect');
    expect(end.summary.durationMs).toBe(sentMs);
    expect(end.summary.counts.bytes).toBe(bytes.length);
    expect(end.summary.speechMs).toBeGreaterThan(0);
    expect(end.summary.windows).toBeGreaterThanOrEqual(1);
    expect(end.summary.windows).toBe(seen.filter((e) => e.type === 'emotion').length);
    sub.close();

    // Nothing is left of it, and the server still serves.
    await until(() => srv.context.sessions.size === 0);
    expect(srv.context.registry.activeCount).toBe(0);
    const next = await streamAudio(srv.url, clip, { speed: 8 });
    expect(errorCodes(next)).toEqual([]);
    expect(summaryOf(next)?.endReason).toBe('stop');
  });
});
