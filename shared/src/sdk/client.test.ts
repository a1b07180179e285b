import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodePcm } from '../audio/pcm.ts';
import { exampleEmotion, exampleReady, exampleSpeechStart, exampleSummary } from '../protocol/examples.ts';
import type { ReadyEvent, ServerEvent } from '../protocol/messages.ts';
import { type ConnectOptions, EmotionStreamClient } from './client.ts';
import { EmotionStreamError } from './errors.ts';
import type { WebSocketLike } from './websocket.ts';

type Listener = (event: never) => void;

/** A scripted WebSocket: the test plays the server by calling open/receive/serverClose. */
class FakeWebSocket implements WebSocketLike {
  static last: FakeWebSocket | null = null;
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  readonly sent: Array<{ data: string | Uint8Array; at: number }> = [];
  closeRequest: { code?: number; reason?: string } | null = null;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  private fire(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(event);
  }

  send(data: string | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError');
    const copy =
      typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.sent.push({ data: copy, at: performance.now() });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closeRequest = { code, reason };
    this.readyState = 2;
    queueMicrotask(() => this.serverClose(code ?? 1005, reason ?? ''));
  }

  open(): void {
    this.readyState = 1;
    this.fire('open', {});
  }

  receive(event: ServerEvent | Record<string, unknown> | string): void {
    this.fire('message', { data: typeof event === 'string' ? event : JSON.stringify(event) });
  }

  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', { code, reason, wasClean: true });
  }

  /** Parsed text messages the client sent. */
  texts(): unknown[] {
    return this.sent.filter((m) => typeof m.data === 'string').map((m) => JSON.parse(m.data as string));
  }

  binaries(): Array<{ data: Uint8Array; at: number }> {
    return this.sent.filter((m) => typeof m.data !== 'string') as Array<{ data: Uint8Array; at: number }>;
  }
}

const options: ConnectOptions = {
  sampleRate: 16000,
  encoding: 'pcm_s16le',
  channels: 1,
  streamId: 'call-1',
  WebSocket: FakeWebSocket,
};

function ready(limits: Partial<ReadyEvent['limits']> = {}, extra: Partial<ReadyEvent> = {}): ReadyEvent {
  return {
    ...exampleReady,
    streamId: 'call-1',
    input: { sampleRate: 16000, encoding: 'pcm_s16le', channels: 1 },
    limits: { ...exampleReady.limits, ...limits },
    ...extra,
  };
}

async function connected(
  extra: Partial<ConnectOptions> = {},
  readyEvent = ready(),
): Promise<{ client: EmotionStreamClient; ws: FakeWebSocket }> {
  const pending = EmotionStreamClient.connect('ws://emo.test', { ...options, ...extra });
  const ws = FakeWebSocket.last!;
  ws.open();
  ws.receive(readyEvent);
  return { client: await pending, ws };
}

function rejection(promise: Promise<unknown>): Promise<EmotionStreamError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(EmotionStreamError);
      return error as EmotionStreamError;
    },
  );
}

describe('EmotionStreamClient.connect', () => {
  it('opens /v1/stream, sends the start message and resolves on ready', async () => {
    const { client, ws } = await connected({ apiKey: 'k1', metadata: { a: 1 } });
    expect(ws.url).toBe('ws://emo.test/v1/stream');
    expect(ws.texts()).toEqual([
      {
        type: 'start',
        sampleRate: 16000,
        encoding: 'pcm_s16le',
        channels: 1,
        streamId: 'call-1',
        metadata: { a: 1 },
        apiKey: 'k1',
      },
    ]);
    expect(client.state).toBe('open');
    expect(client.streamId).toBe('call-1');
    expect(client.ready.model.classes).toContain('angry');
  });

  it('rejects with the server code and close code when the server refuses the stream', async () => {
    const pending = EmotionStreamClient.connect('ws://emo.test', options);
    const ws = FakeWebSocket.last!;
    ws.open();
    ws.receive({
      type: 'error',
      streamId: null,
      code: 'UNAUTHORIZED',
      message: 'invalid API key',
      fatal: true,
      emittedAt: 1,
    });
    ws.serverClose(4001);
    const error = await rejection(pending);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', closeCode: 4001 });
    expect(error.event?.message).toBe('invalid API key');
  });

  it('rejects CONNECT_FAILED when the socket closes before ready without an error', async () => {
    const pending = EmotionStreamClient.connect('ws://emo.test', options);
    FakeWebSocket.last!.serverClose(1006);
    expect(await rejection(pending)).toMatchObject({ code: 'CONNECT_FAILED', closeCode: 1006 });
  });

  it('validates the start message before connecting', async () => {
    FakeWebSocket.last = null;
    const error = await rejection(EmotionStreamClient.connect('ws://emo.test', { ...options, channels: 0 }));
    expect(error.code).toBe('BAD_CHANNEL_COUNT');
    expect(FakeWebSocket.last).toBeNull();
  });

  it('fails clearly without a WebSocket implementation', async () => {
    vi.stubGlobal('WebSocket', undefined);
    try {
      const error = await rejection(
        EmotionStreamClient.connect('ws://emo.test', { ...options, WebSocket: undefined }),
      );
      expect(error.code).toBe('NO_WEBSOCKET');
      expect(error.message).toMatch(/ws/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('aborts', async () => {
    const controller = new AbortController();
    const pending = EmotionStreamClient.connect('ws://emo.test', { ...options, signal: controller.signal });
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ code: 'ABORTED' });
    expect(FakeWebSocket.last!.closeRequest).not.toBeNull();
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('times out without ready and closes the socket', async () => {
      const pending = EmotionStreamClient.connect('ws://emo.test', { ...options, connectTimeoutMs: 500 });
      const outcome = rejection(pending);
      FakeWebSocket.last!.open();
      await vi.advanceTimersByTimeAsync(500);
      expect(await outcome).toMatchObject({ code: 'CONNECT_TIMEOUT' });
      expect(FakeWebSocket.last!.closeRequest).toEqual({ code: 1000, reason: 'connect timeout' });
    });
  });
});

describe('sending audio', () => {
  it('splits audio into whole-frame messages within the smaller of both limits', async () => {
    const { client, ws } = await connected(
      { channels: 2, maxMessageBytes: 1000 },
      ready({ maxMessageBytes: 4096 }),
    );
    const samples = new Float32Array(1200).map((_, i) => Math.sin(i / 10) * 0.5); // 600 stereo frames
    expect(client.sendAudio(samples)).toEqual({ messages: 3, bytes: 2400, frames: 600 });
    const sizes = ws.binaries().map((m) => m.data.length);
    expect(sizes).toEqual([1000, 1000, 400]);
    const joined = new Uint8Array(2400);
    let offset = 0;
    for (const m of ws.binaries()) {
      joined.set(m.data, offset);
      offset += m.data.length;
    }
    expect(joined).toEqual(encodePcm(samples, 'pcm_s16le'));
    expect(client.sentMs).toBe((600 / 16000) * 1000);
  });

  it('counts stream time from ready.startMs when resumed', async () => {
    const { client } = await connected({}, ready({}, { resumed: true, startMs: 60000 }));
    client.sendAudio(new Int16Array(8000));
    expect(client.sentMs).toBe(60500);
  });

  describe('paced (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('sends 20 ms chunks every 20 ms', async () => {
      const { client, ws } = await connected();
      const t0 = performance.now();
      const done = client.sendPaced(new Float32Array(1600)); // 100 ms at 16 kHz
      await vi.advanceTimersByTimeAsync(100);
      expect(await done).toEqual({ messages: 5, bytes: 3200, frames: 1600 });
      expect(ws.binaries().map((m) => [m.at - t0, m.data.length])).toEqual([
        [0, 640],
        [20, 640],
        [40, 640],
        [60, 640],
        [80, 640],
      ]);
    });

    it('waits while the socket buffer is above the high-water mark', async () => {
      const { client, ws } = await connected();
      ws.bufferedAmount = 5000;
      setTimeout(() => {
        ws.bufferedAmount = 0;
      }, 45);
      const t0 = performance.now();
      const done = client.sendPaced(new Int16Array(640), { speed: 0, highWaterMarkBytes: 4096 });
      await vi.advanceTimersByTimeAsync(100);
      await done;
      expect(ws.binaries().map((m) => m.at - t0)).toEqual([50, 50]);
    });

    it('fails with NOT_OPEN when the stream stops meanwhile', async () => {
      const { client } = await connected();
      const done = rejection(client.sendPaced(new Int16Array(3200)));
      await vi.advanceTimersByTimeAsync(30);
      void client.stop().catch(() => {});
      await vi.advanceTimersByTimeAsync(30);
      expect(await done).toMatchObject({ code: 'NOT_OPEN' });
    });
  });
});

describe('events', () => {
  it('dispatches typed events to handlers, to `event`, and reports invalid messages', async () => {
    const { client, ws } = await connected();
    const labels: string[] = [];
    const types: string[] = [];
    const invalid: string[] = [];
    client.on('emotion', (e) => labels.push(e.label));
    client.on('event', (e) => types.push(e.type));
    client.on('invalid', (i) => invalid.push(i.code));
    ws.receive(exampleSpeechStart);
    ws.receive(exampleEmotion);
    ws.receive({ type: 'transcript', text: 'hi' });
    ws.receive({ ...exampleEmotion, label: 7 });
    ws.receive('not json');
    expect(labels).toEqual(['angry']);
    expect(types).toEqual(['speech', 'emotion']);
    expect(invalid).toEqual(['UNKNOWN_MESSAGE', 'BAD_MESSAGE', 'BAD_JSON']);
  });

  it('iterates events until the socket closes', async () => {
    const { client, ws } = await connected();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of client) seen.push(e.type);
    })();
    ws.receive(exampleSpeechStart);
    ws.receive(exampleEmotion);
    ws.serverClose(1000);
    await reading;
    expect(seen).toEqual(['speech', 'emotion']);
  });

  it('answers ping with the round-trip time', async () => {
    const { client, ws } = await connected();
    const rtt = client.ping();
    expect(ws.texts().at(-1)).toEqual({ type: 'ping', id: 'p1' });
    ws.receive({ type: 'pong', streamId: 'call-1', id: 'p1', emittedAt: 5 });
    expect(await rtt).toBeGreaterThanOrEqual(0);
  });
});

describe('stop and close', () => {
  it('stop sends stop and resolves with the summary; sending afterwards is refused', async () => {
    const { client, ws } = await connected();
    const summary = client.stop();
    expect(ws.texts().at(-1)).toEqual({ type: 'stop' });
    expect(client.state).toBe('stopping');
    expect(() => client.sendAudio(new Int16Array(2))).toThrow(/stopping/);
    ws.receive(exampleSummary);
    expect(await summary).toEqual(exampleSummary);
    ws.serverClose(1000);
    expect(await client.stop()).toEqual(exampleSummary);
    expect(client.state).toBe('closed');
  });

  it('stop rejects with the fatal error when the stream dies without a summary', async () => {
    const { client, ws } = await connected();
    const summary = rejection(client.stop());
    ws.receive({
      type: 'error',
      streamId: 'call-1',
      code: 'INTERNAL',
      message: 'boom',
      fatal: true,
      emittedAt: 2,
    });
    ws.serverClose(1011);
    expect(await summary).toMatchObject({ code: 'INTERNAL', closeCode: 1011 });
  });

  it('close resolves with the close info, including the last fatal error', async () => {
    const { client, ws } = await connected();
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    ws.receive({
      type: 'error',
      streamId: 'call-1',
      code: 'LAGGING',
      message: 'behind',
      fatal: false,
      emittedAt: 2,
    });
    const info = await client.close(1000, 'bye');
    expect(info).toEqual({ code: 1000, reason: 'bye', wasClean: true, error: null });
    expect(closes).toEqual([1000]);
    expect(await rejection(client.ping())).toMatchObject({ code: 'CLOSED' });
  });
});
