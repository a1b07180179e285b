/**
 * Subscribers (socket.io `/v1/events`) and the HTTP API against a real server and real speech:
 * live fan-out equals what the streaming client receives, a late joiner gets the timeline first,
 * HTTP lists streams, timelines, health and metrics; with API keys, nobody unauthenticated gets in
 * and a scoped key sees nothing outside its scope.
 */

import { type RunningServer, startServer } from '@emostream/server/app';
import type {
  HealthResponse,
  HttpErrorResponse,
  StreamsResponse,
  SubscriberEvent,
  TimelineEvent,
} from '@emostream/shared/protocol/messages';
import { SUBSCRIBER_EVENT_TYPES } from '@emostream/shared/protocol/messages';
import { EmotionStreamClient, subscribeEvents } from '@emostream/shared/sdk/index';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, DEFAULT_MODEL, silence, streamAudio } from './harness.ts';

const ioFn = io as unknown as Parameters<typeof subscribeEvents>[1]['io'];

function collect(sub: ReturnType<typeof subscribeEvents>): SubscriberEvent[] {
  const got: SubscriberEvent[] = [];
  for (const t of SUBSCRIBER_EVENT_TYPES) sub.on(t, (e) => got.push(e as SubscriberEvent));
  return got;
}

const getJson = async <T>(url: string, headers: Record<string, string> = {}): Promise<T> =>
  (await (await fetch(url, { headers })).json()) as T;

const until = async (cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.runIf(hasData)('subscribers and HTTP API', () => {
  let srv: RunningServer;
  let audio: Float32Array;

  beforeAll(async () => {
    srv = await startServer({ port: 0, logLevel: 'silent', modelDir: DEFAULT_MODEL });
    audio = concat([
      await loadClip(ravdessPath(23, '03-01-05-02-01-01-23')),
      silence(500),
      await loadClip(ravdessPath(23, '03-01-06-02-02-01-23')),
    ]);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('fans out live events, gives a late joiner the timeline first, and serves the HTTP API', async () => {
    const all = subscribeEvents(srv.url, { all: true, io: ioFn });
    const seenAll = collect(all);
    await all.ready;
    const client = await EmotionStreamClient.connect(srv.url, {
      sampleRate: 16000,
      encoding: 'pcm_s16le',
      channels: 1,
      streamId: 'call-late-1',
      metadata: { agent: 'A-7' },
      WebSocket: WebSocket as never,
    });
    const own: Array<{ type: string; seq?: number }> = [];
    client.on('emotion', (e) => own.push(e));
    client.on('speech', (e) => own.push(e));
    client.on('bandwidth', (e) => own.push(e));
    const sending = client.sendPaced(audio, { speed: 3 });
    await until(() => own.some((e) => e.type === 'emotion'));

    // HTTP while the stream is live.
    const list = await getJson<StreamsResponse>(`${srv.url}/v1/streams`);
    const entry = list.streams.find((s) => s.streamId === 'call-late-1')!;
    expect(entry.metadata).toEqual({ agent: 'A-7' });
    expect(entry.receivedMs).toBeGreaterThan(0);
    const tl = await getJson<TimelineEvent>(`${srv.url}/v1/streams/call-late-1/timeline`);
    expect(tl.type).toBe('timeline');
    expect(tl.active).toBe(true);

    // A late joiner: timeline first, then live events, nothing missing in between.
    const late = subscribeEvents(srv.url, { streams: ['call-late-1'], io: ioFn });
    const seenLate = collect(late);
    await late.ready;
    await sending;
    const summary = await client.stop();
    await until(
      () => seenAll.some((e) => e.type === 'stream.end') && seenLate.some((e) => e.type === 'stream.end'),
    );

    expect(seenAll[0]!.type).toBe('stream.start');
    // A 16 kHz stream is analysed as wideband audio, and subscribers are told so.
    expect(seenAll[0]!.type === 'stream.start' && seenAll[0]!.bandwidth).toBe('wideband');
    expect(entry.bandwidth).toBe('wideband');
    const streamEvent = (e: SubscriberEvent) =>
      e.type === 'emotion' || e.type === 'speech' || e.type === 'bandwidth';
    const fanned = seenAll.filter(streamEvent);
    expect(fanned).toEqual(own);
    // The band found from the audio reaches subscribers too (once: studio speech is wideband).
    expect(fanned.filter((e) => e.type === 'bandwidth')).toMatchObject([{ bandwidth: 'wideband' }]);
    const end = seenAll.find((e) => e.type === 'stream.end');
    expect(end?.type === 'stream.end' && end.summary).toEqual(summary);

    expect(seenLate[0]!.type).toBe('timeline');
    const timeline = seenLate[0] as Extract<SubscriberEvent, { type: 'timeline' }>;
    const lateEvents = [...timeline.events, ...seenLate.filter(streamEvent)];
    expect(lateEvents).toEqual(own);

    // After the end: still readable for the resume window, with its summary.
    const after = await getJson<TimelineEvent>(`${srv.url}/v1/streams/call-late-1/timeline`);
    expect(after.active).toBe(false);
    expect(after.summary?.windows).toBe(summary.windows);
    const missing = await fetch(`${srv.url}/v1/streams/nope/timeline`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as HttpErrorResponse).error.code).toBe('NOT_FOUND');

    const health = await getJson<HealthResponse>(`${srv.url}/healthz`);
    expect(health.status).toBe('ok');
    expect(health.modelId).toBe(srv.context.modelInfo.id);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    for (const name of [
      'emostream_streams_active',
      'emostream_audio_seconds_total',
      'emostream_windows_total',
      'emostream_event_latency_seconds_bucket',
      'emostream_batch_size_bucket',
      'emostream_stage_seconds_total{stage="features"}',
    ])
      expect(metrics).toContain(name);
    const windows = Number(/^emostream_windows_total (\d+)/m.exec(metrics)?.[1]);
    expect(windows).toBeGreaterThanOrEqual(summary.windows);
    all.close();
    late.close();
  });
});

describe.runIf(hasData)('authentication', () => {
  let srv: RunningServer;
  const admin = 'admin-key-0123456789abcdef';
  const scoped = 'scoped-key-0123456789abcdef';

  beforeAll(async () => {
    srv = await startServer({
      port: 0,
      logLevel: 'silent',
      modelDir: DEFAULT_MODEL,
      apiKeys: [
        { key: admin, name: 'admin' },
        { key: scoped, name: 'team-b', watch: ['team-b-'], ingest: true },
      ],
    });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('refuses streams and subscribers without a valid key, before any audio', async () => {
    const noKey = await EmotionStreamClient.connect(srv.url, {
      sampleRate: 16000,
      encoding: 'pcm_s16le',
      channels: 1,
      WebSocket: WebSocket as never,
    }).catch((e: { code: string }) => e);
    expect((noKey as { code: string }).code).toBe('UNAUTHORIZED');
    const bad = await EmotionStreamClient.connect(srv.url, {
      sampleRate: 16000,
      encoding: 'pcm_s16le',
      channels: 1,
      apiKey: 'wrong-key-0123456789abcdef',
      WebSocket: WebSocket as never,
    }).catch((e: { code: string }) => e);
    expect((bad as { code: string }).code).toBe('UNAUTHORIZED');
    expect(srv.context.registry.activeCount).toBe(0);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(/^emostream_audio_seconds_total (\S+)/m.exec(metrics)?.[1]).toBe('0');

    const sub = subscribeEvents(srv.url, { all: true, io: ioFn });
    await expect(sub.ready).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await fetch(`${srv.url}/v1/streams`)).status).toBe(401);
    const ok = await fetch(`${srv.url}/v1/streams`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ok.status).toBe(200);
  });

  it('a scoped subscriber key sees only its streams', async () => {
    const forbidden = subscribeEvents(srv.url, { all: true, apiKey: scoped, io: ioFn });
    await expect(forbidden.ready).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const sub = subscribeEvents(srv.url, { streams: ['team-b-1'], apiKey: scoped, io: ioFn });
    const seen = collect(sub);
    await sub.ready;
    const outside = subscribeEvents(srv.url, { streams: ['team-a-1'], apiKey: scoped, io: ioFn });
    await expect(outside.ready).rejects.toMatchObject({ code: 'FORBIDDEN' });
    outside.close();
    forbidden.close();
    const clip = await loadClip(ravdessPath(24, '03-01-05-01-01-01-24'));
    await streamAudio(srv.url, clip, { streamId: 'team-a-1', apiKey: admin });
    await streamAudio(srv.url, clip, { streamId: 'team-b-1', apiKey: scoped });
    await until(() => seen.some((e) => e.type === 'stream.end'));
    expect(seen.every((e) => e.streamId === 'team-b-1')).toBe(true);
    const list = await getJson<HttpErrorResponse>(`${srv.url}/v1/streams/team-a-1/timeline`, {
      'x-api-key': scoped,
    });
    expect(list.error.code).toBe('NOT_FOUND');
    sub.close();
  });
});
