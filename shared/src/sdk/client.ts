/**
 * Typed client for the `/v1/stream` endpoint, for Node (pass `WebSocket` from `ws` before Node 22)
 * and browsers.
 *
 * @example
 * ```ts
 * const stream = await EmotionStreamClient.connect('wss://emo.example.com', {
 *   sampleRate: 16000, encoding: 'pcm_s16le', channels: 1, apiKey,
 * });
 * stream.on('emotion', (e) => console.log(e.startMs, e.label, e.confidence));
 * await stream.sendPaced(samples, { chunkMs: 20, speed: 1 });
 * const summary = await stream.stop();
 * ```
 */
import type { ErrorEvent, ReadyEvent, ServerEvent, SummaryEvent } from '../protocol/messages.ts';
import { parseServerEvent } from '../protocol/validate.ts';
import { type AudioSamples, chunkBytes, encodeAudio, frameBytes } from './audio.ts';
import { buildStartMessage, serializeClientMessage, streamUrl } from './build.ts';
import { EventQueue, TypedEmitter, type Unsubscribe } from './dispatch.ts';
import { EmotionStreamError } from './errors.ts';
import { pacingPlan, runPaced, systemClock } from './pacing.ts';
import type {
  CloseInfo,
  ConnectOptions,
  SendPacedOptions,
  SendResult,
  StreamEventMap,
  StreamState,
} from './types.ts';
import { READY_STATE, resolveWebSocket, type WebSocketLike } from './websocket.ts';

export type {
  CloseInfo,
  ConnectOptions,
  InvalidEventInfo,
  SendPacedOptions,
  SendResult,
  StreamEventMap,
  StreamState,
} from './types.ts';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const DEFAULT_HIGH_WATER_MARK = 1 << 20;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A connected audio stream. Create with {@link EmotionStreamClient.connect}. */
export class EmotionStreamClient {
  private readonly emitter = new TypedEmitter<StreamEventMap>();
  private readonly queues = new Set<EventQueue<ServerEvent>>();
  private readonly pings = new Map<string, { sentAt: number; done: Deferred<number> }>();
  private readonly opened = deferred<ReadyEvent>();
  private readonly closed = deferred<CloseInfo>();
  private stopped: Deferred<SummaryEvent> | null = null;
  private readyEvent: ReadyEvent | null = null;
  private summaryEvent: SummaryEvent | null = null;
  private fatalError: ErrorEvent | null = null;
  private closeInfo: CloseInfo | null = null;
  private current: StreamState = 'connecting';
  private framesSent = 0;
  private pingCounter = 0;

  private constructor(
    private readonly socket: WebSocketLike,
    private readonly options: ConnectOptions,
  ) {
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (e) => this.onMessage(e.data));
    socket.addEventListener('close', (e) => this.onClose(e.code, e.reason, e.wasClean));
    // An 'error' event is always followed by 'close', which carries everything worth reporting.
    socket.addEventListener('error', () => {});
    // Marks rejections as handled: they are observed through connect(), stop() and close().
    this.opened.promise.catch(() => {});
  }

  /**
   * Opens a stream: connects, sends `start` (validated first) and resolves on `ready`.
   *
   * @param url - Server URL: `wss://host` (the `/v1/stream` path is added), `https://host`, or a full URL.
   * @throws {EmotionStreamError} `BAD_START` & co. for invalid options (before connecting),
   * `NO_WEBSOCKET`, `CONNECT_FAILED`, `CONNECT_TIMEOUT`, `ABORTED`, or the server's code
   * (`UNAUTHORIZED`, `OVERLOADED`...) when it refused the stream.
   */
  static async connect(url: string | URL, options: ConnectOptions): Promise<EmotionStreamClient> {
    const start = buildStartMessage(options);
    const WebSocketClass = resolveWebSocket(options.WebSocket);
    const { signal } = options;
    if (signal?.aborted) throw new EmotionStreamError('ABORTED', 'connect aborted', { cause: signal.reason });
    let socket: WebSocketLike;
    try {
      socket = new WebSocketClass(streamUrl(url));
    } catch (error) {
      throw new EmotionStreamError('CONNECT_FAILED', `cannot open ${String(url)}: ${String(error)}`, {
        cause: error,
      });
    }
    const client = new EmotionStreamClient(socket, options);
    socket.addEventListener('open', () => socket.send(serializeClientMessage(start)));
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      client.opened.reject(new EmotionStreamError('CONNECT_TIMEOUT', `no ready within ${timeoutMs} ms`));
      client.socket.close(1000, 'connect timeout');
    }, timeoutMs);
    const onAbort = () => {
      client.opened.reject(new EmotionStreamError('ABORTED', 'connect aborted', { cause: signal?.reason }));
      client.socket.close(1000, 'aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.opened.promise;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    signal?.addEventListener('abort', () => void client.close(1000, 'aborted'), { once: true });
    return client;
  }

  /** The server's `ready` event: stream id, model, limits, resumed stream time. */
  get ready(): ReadyEvent {
    return this.readyEvent!;
  }

  get streamId(): string {
    return this.ready.streamId;
  }

  get state(): StreamState {
    return this.current;
  }

  /** Stream time just after the last sample sent, in ms (includes `ready.startMs` of a resumed stream). */
  get sentMs(): number {
    return this.ready.startMs + (this.framesSent * 1000) / this.options.sampleRate;
  }

  /** Bytes queued in the socket, not yet transmitted. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** The summary, once received. */
  get summary(): SummaryEvent | null {
    return this.summaryEvent;
  }

  /** Largest audio message this client sends, in bytes. */
  get maxMessageBytes(): number {
    const server = this.ready.limits.maxMessageBytes;
    return this.options.maxMessageBytes === undefined
      ? server
      : Math.min(server, this.options.maxMessageBytes);
  }

  /** Calls `handler` for each `type` event; returns a function that removes it. */
  on<K extends keyof StreamEventMap>(type: K, handler: (event: StreamEventMap[K]) => void): Unsubscribe {
    return this.emitter.on(type, handler);
  }

  /** Like {@link on}, for the next event only. */
  once<K extends keyof StreamEventMap>(type: K, handler: (event: StreamEventMap[K]) => void): Unsubscribe {
    return this.emitter.once(type, handler);
  }

  /**
   * Every server event from now until the socket closes, as an async iterator. Bounded: when the
   * consumer falls more than `maxBuffered` events behind, iteration throws `QUEUE_OVERFLOW`.
   */
  events(options: { maxBuffered?: number } = {}): AsyncIterableIterator<ServerEvent> {
    const queue: EventQueue<ServerEvent> = new EventQueue(options.maxBuffered ?? 1024, () =>
      this.queues.delete(queue),
    );
    if (this.current === 'closed') queue.end();
    else this.queues.add(queue);
    return queue;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ServerEvent> {
    return this.events();
  }

  private assertOpen(what: string): void {
    if (this.current !== 'open') {
      throw new EmotionStreamError('NOT_OPEN', `cannot ${what}: the stream is ${this.current}`);
    }
  }

  /**
   * Encodes `samples` to the stream's encoding and sends them now, split into messages of whole frames
   * of at most {@link maxMessageBytes}. Check {@link bufferedAmount} for backpressure, or use
   * {@link sendPaced}.
   *
   * @throws {EmotionStreamError} `NOT_OPEN` after stop or close.
   * @throws {AudioError} `ODD_BYTE_COUNT` for a partial frame, `NON_FINITE_SAMPLE`.
   */
  sendAudio(samples: AudioSamples): SendResult {
    this.assertOpen('send audio');
    const { encoding, channels } = this.options;
    return this.sendBytes(encodeAudio(samples, encoding, channels), frameBytes(encoding, channels));
  }

  private sendBytes(bytes: Uint8Array, frameSize: number): SendResult {
    let messages = 0;
    for (const message of chunkBytes(bytes, frameSize, this.maxMessageBytes)) {
      this.socket.send(message);
      messages++;
    }
    const frames = bytes.length / frameSize;
    this.framesSent += frames;
    return { messages, bytes: bytes.length, frames };
  }

  /**
   * Sends `samples` in `chunkMs` chunks at `speed` times real time (0 = as fast as possible), waiting
   * while the socket's buffer is above `highWaterMarkBytes`. Resolves when the last chunk is sent.
   *
   * @throws {EmotionStreamError} `NOT_OPEN` when the stream stops or closes meanwhile.
   */
  async sendPaced(samples: AudioSamples, options: SendPacedOptions = {}): Promise<SendResult> {
    this.assertOpen('send audio');
    const { encoding, channels, sampleRate } = this.options;
    const frameSize = frameBytes(encoding, channels);
    const bytes = encodeAudio(samples, encoding, channels);
    const highWaterMark = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK;
    const total: SendResult = { messages: 0, bytes: 0, frames: 0 };
    const plan = pacingPlan(bytes.length / frameSize, sampleRate, options);
    await runPaced(
      plan,
      (chunk) => {
        this.assertOpen('send audio');
        const start = chunk.startFrame * frameSize;
        const sent = this.sendBytes(bytes.subarray(start, start + chunk.frames * frameSize), frameSize);
        total.messages += sent.messages;
        total.bytes += sent.bytes;
        total.frames += sent.frames;
      },
      {
        clock: options.clock ?? systemClock,
        signal: options.signal,
        shouldWait: () => this.current === 'open' && this.socket.bufferedAmount > highWaterMark,
      },
    );
    return total;
  }

  /** Sends a ping and resolves with the round-trip time in ms; rejects `CLOSED` if the socket closes first. */
  ping(): Promise<number> {
    if (this.current === 'closed' || this.socket.readyState !== READY_STATE.OPEN) {
      return Promise.reject(new EmotionStreamError('CLOSED', 'cannot ping: the socket is closed'));
    }
    const id = `p${++this.pingCounter}`;
    const done = deferred<number>();
    this.pings.set(id, { sentAt: systemClock.now(), done });
    this.socket.send(serializeClientMessage({ type: 'ping', id }));
    return done.promise;
  }

  /**
   * Ends the stream: sends `stop` and resolves with the summary once the server sends it. Resolves at
   * once if the summary already arrived (the server ended the stream itself).
   *
   * @throws {EmotionStreamError} `STOP_TIMEOUT` (the socket is then closed), or the fatal error's code
   * / `CLOSED` when the socket closes without a summary.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<SummaryEvent> {
    if (this.summaryEvent) return Promise.resolve(this.summaryEvent);
    if (this.current === 'closed') return Promise.reject(this.closedError('stop'));
    if (this.stopped) return this.stopped.promise;
    const stopped = deferred<SummaryEvent>();
    this.stopped = stopped;
    this.current = 'stopping';
    this.socket.send(serializeClientMessage({ type: 'stop' }));
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const timer = setTimeout(() => {
      stopped.reject(new EmotionStreamError('STOP_TIMEOUT', `no summary within ${timeoutMs} ms of stop`));
      this.socket.close(1000, 'stop timeout');
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    stopped.promise.then(clear, clear);
    return stopped.promise;
  }

  /**
   * Closes the socket without `stop` (the server summarises the stream with `endReason: disconnect`
   * for subscribers). Resolves once closed.
   */
  close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    if (this.current !== 'closed') this.current = 'stopping';
    this.socket.close(code, reason);
    return this.closed.promise;
  }

  private closedError(what: string): EmotionStreamError {
    const info = this.closeInfo;
    const error = this.fatalError;
    if (error) {
      return new EmotionStreamError(error.code, `${what}: ${error.message}`, {
        closeCode: info?.code ?? null,
        event: error,
      });
    }
    return new EmotionStreamError(
      this.readyEvent ? 'CLOSED' : 'CONNECT_FAILED',
      `${what}: socket closed${info ? ` with code ${info.code}${info.reason ? ` (${info.reason})` : ''}` : ''}`,
      { closeCode: info?.code ?? null },
    );
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') {
      this.emitter.emit('invalid', { code: 'BAD_MESSAGE', message: 'unexpected binary message', data });
      return;
    }
    const r = parseServerEvent(data);
    if (!r.ok) {
      this.emitter.emit('invalid', { ...r.error, data });
      return;
    }
    this.dispatch(r.event);
  }

  private dispatch(event: ServerEvent): void {
    switch (event.type) {
      case 'ready':
        if (!this.readyEvent) {
          this.readyEvent = event;
          this.current = 'open';
          this.opened.resolve(event);
        }
        break;
      case 'summary':
        this.summaryEvent = event;
        this.stopped?.resolve(event);
        break;
      case 'error':
        if (event.fatal) this.fatalError = event;
        break;
      case 'pong': {
        const id = typeof event.id === 'string' ? event.id : null;
        const pending = id === null ? undefined : this.pings.get(id);
        if (pending && id !== null) {
          this.pings.delete(id);
          pending.done.resolve(systemClock.now() - pending.sentAt);
        }
        break;
      }
    }
    // The connect() caller cannot have registered handlers before ready, so ready is not queued.
    if (event.type !== 'ready') for (const queue of this.queues) queue.push(event);
    this.emitter.emit(event.type, event as never);
    this.emitter.emit('event', event);
  }

  private onClose(code: number, reason: string, wasClean: boolean): void {
    if (this.closeInfo) return;
    this.current = 'closed';
    this.closeInfo = { code, reason, wasClean, error: this.fatalError };
    this.opened.reject(this.closedError('connect'));
    if (this.stopped && !this.summaryEvent) this.stopped.reject(this.closedError('stop'));
    for (const { done } of this.pings.values()) done.reject(this.closedError('ping'));
    this.pings.clear();
    for (const queue of this.queues) queue.end();
    this.queues.clear();
    this.closed.resolve(this.closeInfo);
    this.emitter.emit('close', this.closeInfo);
  }
}
