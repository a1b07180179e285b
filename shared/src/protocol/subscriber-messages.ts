/**
 * Protocol v1, subscriber side: the socket.io namespace `/v1/events` and the HTTP API. Re-exported
 * by `messages.ts`, which holds the stream endpoint's messages and the conventions on units.
 */
import type { ErrorCode } from './codes.ts';
import type {
  BandwidthEvent,
  EmotionEvent,
  InputFormat,
  ModelInfo,
  OverloadedEvent,
  SpeechEvent,
  SummaryEvent,
} from './messages.ts';

/** A stream as subscribers and `GET /v1/streams` see it. */
export interface StreamInfo {
  streamId: string;
  sessionId: string;
  /** The start message's metadata, `{}` when it had none. */
  metadata: Record<string, unknown>;
  /** Server wall clock when the current (or last) connection of the stream started, ms since the epoch. */
  startedAt: number;
  model: ModelInfo;
  input: InputFormat;
  /**
   * The band the stream is analysed as: `ready.options.bandwidth` at the start, then the band found
   * from the audio (`bandwidth` event) when the stream detects it. `narrowband` for telephone audio.
   */
  bandwidth: 'narrowband' | 'wideband';
  resumed: boolean;
  /** Stream time of the current connection's first sample, in ms. */
  startMs: number;
}

/** A stream started (or resumed). Event name and `type`: `stream.start`. */
export interface StreamStartEvent extends StreamInfo {
  type: 'stream.start';
}

/** A stream ended. Event name and `type`: `stream.end`. */
export interface StreamEndEvent {
  type: 'stream.end';
  streamId: string;
  /** Server wall clock, ms since the epoch. */
  endedAt: number;
  summary: SummaryEvent;
}

/** An event kept in a stream's recent timeline. */
export type TimelineEntry = SpeechEvent | EmotionEvent | OverloadedEvent | BandwidthEvent;

/** The recent past of one stream, sent on subscribe before its live events (and by the HTTP API). */
export interface TimelineEvent {
  type: 'timeline';
  streamId: string;
  stream: StreamInfo;
  /** False when the stream has ended (then `summary` is set). */
  active: boolean;
  /** Recent events in the order they were emitted. */
  events: TimelineEntry[];
  /** True when older events of the stream were dropped from the bounded timeline. */
  truncated: boolean;
  summary: SummaryEvent | null;
}

/** A socket.io event on `/v1/events`; the event name equals the payload's `type`. */
export type SubscriberEvent =
  | StreamStartEvent
  | StreamEndEvent
  | SpeechEvent
  | EmotionEvent
  | OverloadedEvent
  | BandwidthEvent
  | TimelineEvent;
/** The names of every subscriber event. */
export const SUBSCRIBER_EVENT_TYPES = [
  'stream.start',
  'stream.end',
  'speech',
  'emotion',
  'overloaded',
  'bandwidth',
  'timeline',
] as const;

/** Payload of the `subscribe` and `unsubscribe` socket.io events. */
export type SubscribeRequest = { streams: string[] } | { all: true };

/** Acknowledgement of `subscribe`/`unsubscribe`: the stream ids now subscribed (`all` when subscribed to all). */
export type SubscribeAck =
  | { ok: true; streams: string[]; all: boolean }
  | { ok: false; error: { code: ErrorCode | (string & {}); message: string } };

/** `GET /v1/streams`: the active streams with how much audio each has received. */
export interface StreamsResponse {
  streams: Array<StreamInfo & { receivedMs: number }>;
}

/** `GET /healthz`. Status 200 for `ok` and `degraded`, 503 for `draining`. */
export interface HealthResponse {
  status: 'ok' | 'degraded' | 'draining';
  protocolVersion: number;
  activeStreams: number;
  modelId: string;
  uptimeS: number;
}

/** Body of every HTTP error response. */
export interface HttpErrorResponse {
  error: { code: ErrorCode | (string & {}); message: string };
}
