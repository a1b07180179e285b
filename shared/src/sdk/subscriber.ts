/**
 * Typed subscriber for the socket.io namespace `/v1/events` (dashboards, integrations). socket.io-client
 * is injected (`io`), so the SDK does not depend on it; its `io` function fits {@link IoFunction}.
 *
 * Handlers are registered on the returned object synchronously, before any network event can arrive,
 * so the `timeline` messages the server sends right after subscribing are never missed.
 *
 * @example
 * ```ts
 * import { io } from 'socket.io-client';
 * const sub = subscribeEvents('https://emo.example.com', { all: true, apiKey, io });
 * sub.on('timeline', (t) => draw(t.streamId, t.events));
 * sub.on('emotion', (e) => append(e.streamId, e));
 * await sub.ready;
 * ```
 */
import {
  SUBSCRIBER_EVENT_TYPES,
  type SubscribeAck,
  type SubscribeRequest,
  type SubscriberEvent,
} from '../protocol/messages.ts';
import { subscribeAckSchema, subscribeRequestSchema } from '../protocol/schemas.ts';
import { validateSubscriberEvent } from '../protocol/validate.ts';
import { eventsUrl } from './build.ts';
import { TypedEmitter, type Unsubscribe } from './dispatch.ts';
import { EmotionStreamError } from './errors.ts';
import type { InvalidEventInfo } from './types.ts';

/** The socket.io client socket, as far as this helper uses it. */
export interface SocketIoSocketLike {
  readonly connected: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: socket.io listeners receive whatever the server sent.
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(): unknown;
}

/** Options this helper passes to `io`; `ioOptions` are merged in. */
export interface IoOptions {
  auth?: { [key: string]: unknown };
  [key: string]: unknown;
}

/** socket.io-client's `io(uri, options)`. */
export type IoFunction = (uri: string, options: IoOptions) => SocketIoSocketLike;

/** Options of {@link subscribeEvents}: exactly one of `streams` and `all`. */
export interface SubscribeOptions {
  /** Stream ids to follow; they need not exist yet. */
  streams?: string[];
  /** Follow every stream the API key may see. */
  all?: boolean;
  /** Sent as the handshake's `auth.apiKey`. */
  apiKey?: string;
  /** socket.io-client's `io` function. */
  io: IoFunction;
  /** More options for `io` (e.g. `transports`, `extraHeaders`, `path`). */
  ioOptions?: Record<string, unknown>;
  /** Time allowed for connecting and each acknowledgement, in ms. Default 10000. */
  timeoutMs?: number;
}

/** Subscriber events by name; `invalid` reports payloads that failed validation. */
export interface SubscriberEventMap {
  'stream.start': Extract<SubscriberEvent, { type: 'stream.start' }>;
  'stream.end': Extract<SubscriberEvent, { type: 'stream.end' }>;
  speech: Extract<SubscriberEvent, { type: 'speech' }>;
  emotion: Extract<SubscriberEvent, { type: 'emotion' }>;
  overloaded: Extract<SubscriberEvent, { type: 'overloaded' }>;
  bandwidth: Extract<SubscriberEvent, { type: 'bandwidth' }>;
  timeline: Extract<SubscriberEvent, { type: 'timeline' }>;
  invalid: InvalidEventInfo;
  /** The connection dropped (socket.io reconnects by itself). */
  disconnect: { reason: string };
  /** Reconnected and resubscribed; fresh `timeline` messages follow, so replace per-stream state. */
  reconnect: { streams: string[]; all: boolean };
  /** Resubscribing after a reconnect failed (e.g. the key was revoked meanwhile). */
  error: EmotionStreamError;
}

/** A live subscription. */
export interface EventSubscription {
  /** Resolves with the first acknowledgement; rejects with the server's code or a client one. */
  readonly ready: Promise<{ streams: string[]; all: boolean }>;
  on<K extends keyof SubscriberEventMap>(
    type: K,
    handler: (event: SubscriberEventMap[K]) => void,
  ): Unsubscribe;
  /** Adds streams (or all) to the subscription. */
  subscribe(request: SubscribeRequest): Promise<{ streams: string[]; all: boolean }>;
  /** Removes streams (or all) from the subscription. */
  unsubscribe(request: SubscribeRequest): Promise<{ streams: string[]; all: boolean }>;
  /** Disconnects. */
  close(): void;
}

function requestOf(options: { streams?: string[]; all?: boolean }): SubscribeRequest {
  const hasStreams = options.streams !== undefined;
  if (hasStreams === (options.all === true)) {
    throw new TypeError('subscribeEvents: pass exactly one of `streams` and `all: true`');
  }
  const request: SubscribeRequest = hasStreams ? { streams: options.streams! } : { all: true };
  const r = subscribeRequestSchema.safeParse(request);
  if (!r.success) throw new TypeError(`subscribeEvents: invalid request: ${r.error.issues[0]?.message}`);
  return request;
}

/**
 * Connects to `/v1/events` and subscribes. Returns at once; await `ready` for the acknowledgement.
 *
 * @param url - Server URL (`https://host`; the namespace is added when the URL has no path).
 * @throws {TypeError} when both or neither of `streams` and `all` are given.
 */
export function subscribeEvents(url: string | URL, options: SubscribeOptions): EventSubscription {
  const initial = requestOf(options);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const emitter = new TypedEmitter<SubscriberEventMap>();
  const auth = options.apiKey === undefined ? {} : { auth: { apiKey: options.apiKey } };
  const socket = options.io(eventsUrl(url), { ...options.ioOptions, ...auth });
  const state = { streams: [] as string[], all: false };
  let connectedOnce = false;
  let closed = false;

  const request = (event: 'subscribe' | 'unsubscribe', payload: SubscribeRequest) =>
    new Promise<{ streams: string[]; all: boolean }>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new EmotionStreamError('CONNECT_TIMEOUT', `no ${event} acknowledgement within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      socket.emit(event, payload, (raw: unknown) => {
        clearTimeout(timer);
        const parsed = subscribeAckSchema.safeParse(raw);
        if (!parsed.success) {
          reject(new EmotionStreamError('BAD_MESSAGE', `invalid ${event} acknowledgement`));
          return;
        }
        const ack = parsed.data as SubscribeAck;
        if (!ack.ok) {
          reject(new EmotionStreamError(ack.error.code, ack.error.message));
          return;
        }
        state.streams = ack.streams;
        state.all = ack.all;
        resolve({ streams: ack.streams, all: ack.all });
      });
    });

  let settleReady: {
    resolve: (v: { streams: string[]; all: boolean }) => void;
    reject: (e: unknown) => void;
  };
  const ready = new Promise<{ streams: string[]; all: boolean }>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  ready.catch(() => {});
  const readyTimer = setTimeout(() => {
    settleReady.reject(new EmotionStreamError('CONNECT_TIMEOUT', `not subscribed within ${timeoutMs} ms`));
    socket.disconnect();
  }, timeoutMs);
  ready.then(
    () => clearTimeout(readyTimer),
    () => clearTimeout(readyTimer),
  );

  for (const type of SUBSCRIBER_EVENT_TYPES) {
    socket.on(type, (payload: unknown) => {
      const r = validateSubscriberEvent(payload);
      if (r.ok && r.event.type === type) emitter.emit(type, r.event as never);
      else if (r.ok)
        emitter.emit('invalid', {
          code: 'BAD_MESSAGE',
          message: `${type} carried ${r.event.type}`,
          data: payload,
        });
      else emitter.emit('invalid', { ...r.error, data: payload });
    });
  }
  socket.on('connect', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      request('subscribe', initial).then(settleReady.resolve, settleReady.reject);
      return;
    }
    // socket.io does not restore subscriptions across reconnects: the server sees a new socket.
    const again: SubscribeRequest = state.all ? { all: true } : { streams: state.streams };
    request('subscribe', again).then(
      (s) => emitter.emit('reconnect', s),
      (error: EmotionStreamError) => emitter.emit('error', error),
    );
  });
  socket.on('connect_error', (error: { message?: string; data?: { code?: string; message?: string } }) => {
    if (connectedOnce || closed) return;
    const code = error?.data?.code ?? 'CONNECT_FAILED';
    settleReady.reject(
      new EmotionStreamError(code, error?.data?.message ?? error?.message ?? 'connect failed'),
    );
    closed = true;
    socket.disconnect();
  });
  socket.on('disconnect', (reason: string) => emitter.emit('disconnect', { reason: String(reason) }));

  return {
    ready,
    on: (type, handler) => emitter.on(type, handler),
    subscribe: (req) => request('subscribe', requestOf(req as { streams?: string[]; all?: boolean })),
    unsubscribe: (req) => request('unsubscribe', requestOf(req as { streams?: string[]; all?: boolean })),
    close: () => {
      closed = true;
      settleReady.reject(new EmotionStreamError('CLOSED', 'subscription closed'));
      socket.disconnect();
    },
  };
}
