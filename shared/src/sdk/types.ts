/**
 * Types of the stream client's API: connect options, events by name, send results.
 */
import type {
  BandwidthEvent,
  EmotionEvent,
  ErrorEvent,
  OverloadedEvent,
  PongEvent,
  ReadyEvent,
  ServerEvent,
  SpeechEvent,
  SummaryEvent,
} from '../protocol/messages.ts';
import type { StartOptions } from './build.ts';
import type { Clock, PacingOptions } from './pacing.ts';
import type { WebSocketConstructor } from './websocket.ts';

/** Options of `EmotionStreamClient.connect`. */
export interface ConnectOptions extends StartOptions {
  /** WebSocket class; default `globalThis.WebSocket` (absent on Node < 22: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Time allowed for the socket to open and the server to answer `ready`, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Aborts the connection attempt, or closes the stream (without stop) once connected. */
  signal?: AbortSignal;
  /** Cap on audio message size in bytes, below the server's `limits.maxMessageBytes`. */
  maxMessageBytes?: number;
}

/** How the socket closed. */
export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
  /** The last fatal error event the server sent before closing, if any. */
  error: ErrorEvent | null;
}

/** A text message that was not a valid event (unknown type from a newer server, or malformed). */
export interface InvalidEventInfo {
  code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_MESSAGE';
  message: string;
  /** The raw message (text, or a binary payload, which the server never sends). */
  data: unknown;
}

/** Events of a stream, by name. `event` receives every valid server event. */
export interface StreamEventMap {
  speech: SpeechEvent;
  emotion: EmotionEvent;
  overloaded: OverloadedEvent;
  bandwidth: BandwidthEvent;
  summary: SummaryEvent;
  error: ErrorEvent;
  pong: PongEvent;
  ready: ReadyEvent;
  event: ServerEvent;
  invalid: InvalidEventInfo;
  close: CloseInfo;
}

/** Options of `EmotionStreamClient.sendPaced`. */
export interface SendPacedOptions extends Partial<PacingOptions> {
  signal?: AbortSignal;
  /** Injectable clock (tests). */
  clock?: Clock;
  /** Wait while the socket has more than this many bytes queued. Default 1 MiB. */
  highWaterMarkBytes?: number;
}

/** Bytes and messages sent by one call. */
export interface SendResult {
  messages: number;
  bytes: number;
  frames: number;
}

/** Lifecycle of a stream client. */
export type StreamState = 'connecting' | 'open' | 'stopping' | 'closed';
