import { describe, expect, it } from 'vitest';
import { exampleEmotion, exampleStreamStart, exampleTimeline } from '../protocol/examples.ts';
import type { SubscribeAck } from '../protocol/messages.ts';
import { EmotionStreamError } from './errors.ts';
import { type IoOptions, type SocketIoSocketLike, subscribeEvents } from './subscriber.ts';

type Handler = (...args: unknown[]) => void;

/** A scripted socket.io socket: the test plays the server. */
class FakeSocket implements SocketIoSocketLike {
  connected = false;
  disconnected = false;
  readonly emitted: Array<{ event: string; payload: unknown; ack?: (ack: SubscribeAck) => void }> = [];
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    readonly uri: string,
    readonly options: IoOptions,
  ) {}

  on(event: string, listener: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    this.emitted.push({ event, payload: args[0], ack: args[1] as (ack: SubscribeAck) => void });
    return this;
  }

  disconnect(): this {
    this.disconnected = true;
    return this;
  }

  /** Server side: fire an event at the client. */
  fire(event: string, ...args: unknown[]): void {
    if (event === 'connect') this.connected = true;
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }

  /** Server side: acknowledge the latest request. */
  ack(ack: SubscribeAck): void {
    this.emitted.at(-1)!.ack!(ack);
  }
}

function setup(options: { streams?: string[]; all?: boolean; apiKey?: string } = { all: true }) {
  let socket: FakeSocket | undefined;
  const sub = subscribeEvents('https://emo.test', {
    ...options,
    io: (uri, opts) => (socket = new FakeSocket(uri, opts)),
    ioOptions: { transports: ['websocket'] },
  });
  return { sub, socket: socket! };
}

describe('subscribeEvents', () => {
  it('connects to /v1/events with the API key, subscribes and resolves with the acknowledgement', async () => {
    const { sub, socket } = setup({ streams: ['call-1'], apiKey: 'k1' });
    expect(socket.uri).toBe('https://emo.test/v1/events');
    expect(socket.options).toEqual({ transports: ['websocket'], auth: { apiKey: 'k1' } });
    socket.fire('connect');
    expect(socket.emitted.map((e) => [e.event, e.payload])).toEqual([['subscribe', { streams: ['call-1'] }]]);
    socket.ack({ ok: true, streams: ['call-1'], all: false });
    expect(await sub.ready).toEqual({ streams: ['call-1'], all: false });
  });

  it('delivers the timeline sent right after subscribing, then live events, validated', async () => {
    const { sub, socket } = setup();
    const seen: string[] = [];
    sub.on('timeline', (t) => seen.push(`timeline:${t.events.length}`));
    sub.on('stream.start', (s) => seen.push(`start:${s.streamId}`));
    sub.on('emotion', (e) => seen.push(`emotion:${e.seq}`));
    sub.on('invalid', (i) => seen.push(`invalid:${i.code}`));
    socket.fire('connect');
    socket.ack({ ok: true, streams: [], all: true });
    socket.fire('timeline', exampleTimeline);
    socket.fire('stream.start', exampleStreamStart);
    socket.fire('emotion', exampleEmotion);
    socket.fire('emotion', { ...exampleEmotion, confidence: 'high' });
    socket.fire('emotion', exampleStreamStart);
    socket.fire('emotion', { type: 'transcript' });
    await sub.ready;
    expect(seen).toEqual([
      'timeline:2',
      'start:call-7f3a',
      'emotion:0',
      'invalid:BAD_MESSAGE',
      'invalid:BAD_MESSAGE',
      'invalid:UNKNOWN_MESSAGE',
    ]);
  });

  it('rejects with the server code when the handshake is refused', async () => {
    const { sub, socket } = setup();
    socket.fire(
      'connect_error',
      Object.assign(new Error('unauthorized'), { data: { code: 'UNAUTHORIZED', message: 'bad key' } }),
    );
    const error = await sub.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmotionStreamError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', message: 'bad key' });
    expect(socket.disconnected).toBe(true);
  });

  it('rejects with the acknowledged error', async () => {
    const { sub, socket } = setup();
    socket.fire('connect');
    socket.ack({ ok: false, error: { code: 'FORBIDDEN', message: 'all needs an admin key' } });
    await expect(sub.ready).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('resubscribes after a reconnect and says so', async () => {
    const { sub, socket } = setup({ streams: ['a'] });
    const events: string[] = [];
    sub.on('disconnect', (d) => events.push(`disconnect:${d.reason}`));
    sub.on('reconnect', (r) => events.push(`reconnect:${r.streams.join(',')}`));
    socket.fire('connect');
    socket.ack({ ok: true, streams: ['a'], all: false });
    await sub.ready;
    const more = sub.subscribe({ streams: ['b'] });
    socket.ack({ ok: true, streams: ['a', 'b'], all: false });
    expect(await more).toEqual({ streams: ['a', 'b'], all: false });
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    expect(socket.emitted.at(-1)!.payload).toEqual({ streams: ['a', 'b'] });
    socket.ack({ ok: true, streams: ['a', 'b'], all: false });
    await Promise.resolve();
    expect(events).toEqual(['disconnect:transport close', 'reconnect:a,b']);
  });

  it('unsubscribes and closes', async () => {
    const { sub, socket } = setup({ streams: ['a', 'b'] });
    socket.fire('connect');
    socket.ack({ ok: true, streams: ['a', 'b'], all: false });
    const less = sub.unsubscribe({ streams: ['a'] });
    expect(socket.emitted.at(-1)).toMatchObject({ event: 'unsubscribe', payload: { streams: ['a'] } });
    socket.ack({ ok: true, streams: ['b'], all: false });
    expect(await less).toEqual({ streams: ['b'], all: false });
    sub.close();
    expect(socket.disconnected).toBe(true);
  });

  it('requires exactly one of streams and all', () => {
    const io = (uri: string, opts: IoOptions) => new FakeSocket(uri, opts);
    expect(() => subscribeEvents('https://emo.test', { io })).toThrow(TypeError);
    expect(() => subscribeEvents('https://emo.test', { io, all: true, streams: ['a'] })).toThrow(TypeError);
    expect(() => subscribeEvents('https://emo.test', { io, streams: ['bad id'] })).toThrow(TypeError);
  });
});
