/**
 * The protocol's edges over a real socket: every bad input gets its typed error and close code,
 * never takes the server down, and never disturbs another stream; pipelined audio, ping, resume,
 * limits.
 */

import { type RunningServer, startServer } from '@emostream/server/app';
import { encodePcm } from '@emostream/shared/audio/pcm';
import { CLOSE_CODES } from '@emostream/shared/protocol/codes';
import type { ServerEvent } from '@emostream/shared/protocol/messages';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_MODEL, streamAudio } from './harness.ts';

interface RawRun {
  events: ServerEvent[];
  close: { code: number; reason: string };
}

/** Opens a raw socket, sends `messages` in order, and collects events until the server closes. */
function raw(
  url: string,
  messages: Array<string | Uint8Array>,
  opts: { timeoutMs?: number } = {},
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`);
    const events: ServerEvent[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close within ${opts.timeoutMs ?? 10000} ms; events: ${JSON.stringify(events)}`));
    }, opts.timeoutMs ?? 10000);
    ws.on('open', () => {
      for (const m of messages) ws.send(m, { binary: typeof m !== 'string' });
    });
    ws.on('message', (d, isBinary) => {
      if (!isBinary) events.push(JSON.parse(d.toString()));
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ events, close: { code, reason: reason.toString() } });
    });
    ws.on('error', () => undefined);
  });
}

const start = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'start', sampleRate: 16000, encoding: 'pcm_s16le', channels: 1, ...extra });
const stop = JSON.stringify({ type: 'stop' });
const errors = (r: RawRun) =>
  r.events.filter((e): e is Extract<ServerEvent, { type: 'error' }> => e.type === 'error');

describe.runIf(hasData)('stream protocol edges', () => {
  let srv: RunningServer;
  let clip: Float32Array;

  beforeAll(async () => {
    srv = await startServer({
      port: 0,
      logLevel: 'silent',
      modelDir: DEFAULT_MODEL,
      limits: { maxStreamSeconds: 2, resumeWindowSeconds: 30, startTimeoutMs: 500 },
    });
    clip = await loadClip(ravdessPath(21, '03-01-05-01-01-01-21'));
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('answers each malformed start with its code and close code', async () => {
    const cases: Array<[string, string, number]> = [
      ['{not json', 'BAD_JSON', -1],
      [JSON.stringify({ type: 'start', sampleRate: 16000 }), 'BAD_START', CLOSE_CODES.INVALID_PAYLOAD],
      [start({ sampleRate: 12345 }), 'UNSUPPORTED_SAMPLE_RATE', CLOSE_CODES.UNSUPPORTED_DATA],
      [start({ encoding: 'opus' }), 'UNSUPPORTED_ENCODING', CLOSE_CODES.UNSUPPORTED_DATA],
      [start({ channels: 9 }), 'BAD_CHANNEL_COUNT', CLOSE_CODES.UNSUPPORTED_DATA],
      [start({ bogus: 1 }), 'BAD_START', CLOSE_CODES.INVALID_PAYLOAD],
      [JSON.stringify({ type: 'dance' }), 'UNKNOWN_MESSAGE', -1],
    ];
    for (const [msg, code, close] of cases) {
      const r = await raw(srv.url, [msg]).catch((e: Error) => ({
        events: [],
        close: { code: -2, reason: e.message },
      }));
      if (close === -1) {
        // Non-fatal: the connection stays until the start timeout (500 ms here) closes it.
        expect(errors(r)[0]?.code, msg).toBe(code);
        expect(errors(r)[0]?.fatal).toBe(false);
        expect(r.close.code).toBe(CLOSE_CODES.TIMEOUT);
      } else {
        expect(
          errors(r).map((e) => e.code),
          msg,
        ).toEqual([code]);
        expect(errors(r)[0]!.fatal).toBe(true);
        expect(r.close.code, msg).toBe(close);
      }
    }
  });

  it('refuses audio before start, odd byte counts and oversized messages; the summary keeps accepted audio', async () => {
    const before = await raw(srv.url, [new Uint8Array(640)]);
    expect(errors(before).map((e) => e.code)).toEqual(['NOT_STARTED']);
    expect(before.close.code).toBe(CLOSE_CODES.POLICY_VIOLATION);

    const audio = encodePcm(clip.subarray(0, 16000), 'pcm_s16le');
    const odd = await raw(srv.url, [start(), audio, new Uint8Array(641)]);
    expect(odd.events[0]!.type).toBe('ready');
    const summary = odd.events.find((e) => e.type === 'summary');
    expect(summary && summary.type === 'summary' && summary.durationMs).toBe(1000);
    expect(summary && summary.type === 'summary' && summary.endReason).toBe('ODD_BYTE_COUNT');
    expect(errors(odd).map((e) => e.code)).toEqual(['ODD_BYTE_COUNT']);
    expect(odd.close.code).toBe(CLOSE_CODES.INVALID_PAYLOAD);

    const big = await raw(srv.url, [start(), new Uint8Array(srv.config.limits.maxMessageBytes + 2)]);
    expect(errors(big).map((e) => e.code)).toEqual(['MESSAGE_TOO_LARGE']);
    expect(big.close.code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);

    const nan = new Float32Array([0.1, Number.NaN, 0.2, 0.3]);
    const f32 = await raw(srv.url, [start({ encoding: 'pcm_f32le' }), new Uint8Array(nan.buffer)]);
    expect(errors(f32).map((e) => e.code)).toEqual(['NON_FINITE_SAMPLE']);
  });

  it('processes audio pipelined behind start, answers ping, and reports audio after stop', async () => {
    const audio = encodePcm(clip.subarray(0, 8000), 'pcm_s16le');
    const r = await raw(srv.url, [
      start(),
      audio,
      JSON.stringify({ type: 'ping', id: 'p1' }),
      audio,
      stop,
      audio,
    ]);
    expect(r.events[0]!.type).toBe('ready');
    const pong = r.events.find((e) => e.type === 'pong');
    expect(pong && pong.type === 'pong' && pong.id).toBe('p1');
    const summary = r.events.find((e) => e.type === 'summary');
    expect(summary && summary.type === 'summary' && summary.durationMs).toBe(1000);
    expect(r.close.code).toBe(CLOSE_CODES.NORMAL);
  });

  it('ends a stream at maxStreamSeconds after analysing the audio up to the limit', async () => {
    const audio = encodePcm(clip.subarray(0, 16000 * 3), 'pcm_s16le');
    const parts = [audio.subarray(0, 32000), audio.subarray(32000, 64000), audio.subarray(64000)];
    const r = await raw(srv.url, [start(), ...parts]);
    const summary = r.events.find((e) => e.type === 'summary');
    expect(summary && summary.type === 'summary' && summary.durationMs).toBe(2000);
    expect(errors(r).map((e) => e.code)).toEqual(['STREAM_TOO_LONG']);
    expect(r.close.code).toBe(CLOSE_CODES.TOO_LARGE);
  });

  it('resumes a stream by id: stream time, seq and totals continue', async () => {
    const id = 'resume-test-1';
    const first = await streamAudio(srv.url, clip.subarray(0, 16000 * 1.9), { streamId: id });
    const readyA = first.events[0]!;
    expect(readyA.type === 'ready' && readyA.resumed).toBe(false);
    const second = await streamAudio(srv.url, clip.subarray(0, 16000), { streamId: id });
    const readyB = second.events[0]!;
    expect(readyB.type === 'ready' && readyB.resumed).toBe(true);
    expect(readyB.type === 'ready' && readyB.startMs).toBe(1900);
    const seqA = first.events.filter((e) => e.type === 'emotion').length;
    const firstB = second.events.find((e) => e.type === 'emotion');
    if (firstB?.type === 'emotion') expect(firstB.seq).toBe(seqA);
    const summary = second.events.find((e) => e.type === 'summary');
    expect(summary && summary.type === 'summary' && summary.counts.connections).toBe(2);
    // maxStreamSeconds (2 s here) covers both connections: the second ends at the limit.
    expect(summary && summary.type === 'summary' && summary.durationMs).toBe(2000);
    expect(second.events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.code)).toEqual([
      'STREAM_TOO_LONG',
    ]);
  });

  it('refuses a second connection for an active stream id without disturbing the first', async () => {
    const id = 'in-use-1';
    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise((r) => ws.on('open', r));
    const got: ServerEvent[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    ws.send(start({ streamId: id }));
    await new Promise((r) => setTimeout(r, 200));
    const dup = await raw(srv.url, [start({ streamId: id })]);
    expect(errors(dup).map((e) => e.code)).toEqual(['STREAM_ID_IN_USE']);
    expect(dup.close.code).toBe(CLOSE_CODES.CONFLICT);
    ws.send(encodePcm(clip.subarray(0, 16000), 'pcm_s16le'));
    ws.send(stop);
    await new Promise((r) => ws.on('close', r));
    expect(got.map((e) => e.type)).toContain('summary');
    expect(got.filter((e) => e.type === 'error')).toEqual([]);
  });
});

describe.runIf(hasData)('graceful shutdown', () => {
  it('flushes active streams, sends their summaries and SHUTTING_DOWN, then closes with 1001', async () => {
    const srv = await startServer({ port: 0, logLevel: 'silent', modelDir: DEFAULT_MODEL });
    const clip = await loadClip(ravdessPath(22, '03-01-05-02-01-01-22'));
    const ws = new WebSocket(`${srv.url.replace(/^http/, 'ws')}/v1/stream`);
    const got: ServerEvent[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.on('open', r));
    ws.send(start({ streamId: 'draining-1' }));
    ws.send(encodePcm(clip, 'pcm_s16le').subarray(0, 60000));
    ws.send(encodePcm(clip, 'pcm_s16le').subarray(60000));
    while (!got.some((e) => e.type === 'ready')) await new Promise((r) => setTimeout(r, 10));
    await srv.close();
    expect(await closed).toBe(CLOSE_CODES.GOING_AWAY);
    const types = got.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['summary', 'error']);
    const summary = got.find((e) => e.type === 'summary');
    expect(summary?.type === 'summary' && summary.endReason).toBe('SHUTTING_DOWN');
    // Everything accepted was analysed: the whole clip's duration and its speech.
    expect(summary?.type === 'summary' && summary.durationMs).toBe((clip.length / 16000) * 1000);
    expect(summary?.type === 'summary' && summary.windows).toBeGreaterThanOrEqual(1);
  });
});

describe.runIf(hasData)('admission control', () => {
  it('refuses new streams with OVERLOADED while the event loop lags, and accepts them again after', async () => {
    const srv = await startServer({
      port: 0,
      logLevel: 'silent',
      modelDir: DEFAULT_MODEL,
      maxEventLoopLagMs: 200,
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // let the monitor's timer start
      // Real overload of this process: the event loop is blocked for 600 ms.
      const until = performance.now() + 600;
      while (performance.now() < until) {
        /* busy */
      }
      // The monitor publishes the longest stall of each second.
      const t0 = performance.now();
      while (!srv.context.load.overloaded && performance.now() - t0 < 2500)
        await new Promise((r) => setTimeout(r, 10));
      expect(srv.context.load.overloaded).toBe(true);
      const refused = await raw(srv.url, [start()]);
      expect(errors(refused).map((e) => e.code)).toEqual(['OVERLOADED']);
      expect(refused.close.code).toBe(CLOSE_CODES.TRY_AGAIN_LATER);
      const health = await fetch(`${srv.url}/healthz`);
      expect(((await health.json()) as { status: string }).status).toBe('degraded');
      // The lag window rolls over every second; once calm, streams are accepted again.
      while (srv.context.load.overloaded) await new Promise((r) => setTimeout(r, 100));
      const ok = await raw(srv.url, [start(), stop]);
      expect(ok.events[0]!.type).toBe('ready');
      expect(ok.close.code).toBe(CLOSE_CODES.NORMAL);
    } finally {
      await srv.close();
    }
  });
});
