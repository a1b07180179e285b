/**
 * Protocol v1: every message between clients, the server and event subscribers, as TypeScript types
 * (discriminated unions on `type`) and the constants both sides agree on. `docs/protocol.md` is the
 * prose version; `validate.ts` checks values against the same shapes at runtime.
 *
 * Units: names end in `Ms` (milliseconds), `S`/`Seconds`, `Bytes` or `Samples`. Stream time (`startMs`,
 * `endMs`, `durationMs`...) is derived from sample counts at the model rate (16 kHz), so it may be
 * fractional and never drifts with the wall clock; wall-clock instants end in `At` and are integer
 * milliseconds since the Unix epoch.
 */
import type { PcmEncoding } from '../audio/pcm.ts';
import type { ErrorCode } from './codes.ts';

export { PCM_ENCODINGS, type PcmEncoding } from '../audio/pcm.ts';
export { CLOSE_CODES, type CloseCode, ERROR_CODES, type ErrorCode, type ErrorCodeInfo } from './codes.ts';

/** Version of this protocol; also the `/v1` in every path. */
export const PROTOCOL_VERSION = 1;
/** WebSocket path of the audio stream endpoint. */
export const STREAM_PATH = '/v1/stream';
/** socket.io namespace of the subscriber endpoint. */
export const EVENTS_NAMESPACE = '/v1/events';
/** Sample rate every stream is resampled to before analysis; stream time is counted at this rate. */
export const MODEL_SAMPLE_RATE = 16000;

/**
 * Input sample rates a stream may declare, in Hz. Kept equal to the streaming resampler's list
 * (`STREAMING_INPUT_RATES`, checked by a test) without importing it, so that the SDK does not pull
 * the resampler into browser bundles.
 */
export const SUPPORTED_SAMPLE_RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000] as const;
/** A supported input sample rate in Hz. */
export type SupportedSampleRate = (typeof SUPPORTED_SAMPLE_RATES)[number];

/** Syntax of `streamId` and `sessionId`: 1-128 characters from `[A-Za-z0-9._:-]`. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Largest `start.metadata`, measured as the UTF-8 bytes of its JSON. */
export const MAX_METADATA_BYTES = 4096;
/** Longest `start.apiKey` in characters. */
export const MAX_API_KEY_LENGTH = 1024;
/** Longest string `ping.id` in characters. */
export const MAX_PING_ID_LENGTH = 128;
/** Bounds of `start.options.hopMs`: a multiple of `step` in [min, max]. */
export const HOP_MS_RANGE = Object.freeze({ min: 200, max: 3000, step: 10 });
/**
 * Bounds of `start.options.earlyMs`: a multiple of `step` in [min, max], or 0 (no early window). The
 * server also requires it to be shorter than the model's window (`ready.model.windowMs`).
 */
export const EARLY_MS_RANGE = Object.freeze({ min: 300, max: 2990, step: 10 });

/** An early point a stream may ask for (within {@link EARLY_MS_RANGE}; 0, meaning none, is not one). */
export function isEarlyMs(ms: number): boolean {
  const r = EARLY_MS_RANGE;
  return Number.isInteger(ms) && ms % r.step === 0 && ms >= r.min && ms <= r.max;
}

/** Limits the server enforces on a stream, announced in `ready.limits`. */
export interface StreamLimits {
  /** Largest binary (audio) message, in bytes. */
  maxMessageBytes: number;
  /** Largest text (JSON) message, in bytes of UTF-8. */
  maxTextMessageBytes: number;
  /** Longest stream, in seconds of audio (stream time, all connections of a resumed stream together). */
  maxStreamSeconds: number;
  /** Time allowed between connecting and a valid `start`, in ms. */
  startTimeoutMs: number;
  /** Longest silence on the socket (no message of any kind) after `start`, in ms. */
  idleTimeoutMs: number;
  /** Sustained audio rate allowed, in seconds of audio per second of wall clock (1 = real time). */
  maxRealtimeFactor: number;
  /** Audio a client may send ahead of `maxRealtimeFactor`, in seconds of audio (token bucket size). */
  rateBurstSeconds: number;
  /** Text messages allowed per second (token bucket of the same size). */
  maxControlMessagesPerSecond: number;
  /** Analysis lag behind received audio that triggers a `LAGGING` warning, in ms. */
  maxLagMs: number;
  /** How long an ended stream can be resumed by reusing its `streamId`, in seconds. */
  resumeWindowSeconds: number;
}

/** The limits of a server with default configuration. */
export const DEFAULT_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxMessageBytes: 65536,
  maxTextMessageBytes: 8192,
  maxStreamSeconds: 14400,
  startTimeoutMs: 10000,
  idleTimeoutMs: 30000,
  maxRealtimeFactor: 8,
  rateBurstSeconds: 30,
  maxControlMessagesPerSecond: 10,
  maxLagMs: 5000,
  resumeWindowSeconds: 300,
});

// ---------------------------------------------------------------------------------------------------
// Client -> server (text messages; audio travels as binary messages between start and stop)

/** Score smoothing across consecutive windows of one speech segment (reset at each segment). */
export type SmoothingOptions =
  | { method: 'none' }
  | {
      method: 'ema';
      /** Weight of the newest window, in (0, 1]: smoothed = alpha * new + (1 - alpha) * previous. Default 0.5. */
      alpha?: number;
    };

/** Per-stream analysis options; each defaults to the model's or server's value. */
export interface StreamOptions {
  /** Confidence below which an emotion event is flagged `uncertain`, in [0, 1]. Default: the model's. */
  uncertainThreshold?: number;
  /** Score smoothing. Default `{ method: 'none' }`. */
  smoothing?: SmoothingOptions;
  /** Time between windows inside a long speech segment, in ms: a multiple of 10 in 200..3000. Default: the model's (1000). */
  hopMs?: number;
  /**
   * Speech after which a segment gets an early, provisional emotion event (`kind: "early"`), in ms
   * from the segment's start: a multiple of 10 in 300..2990, shorter than the model's window, or 0
   * for none. It answers before the segment's first full window, from less speech. Default 0.
   */
  earlyMs?: number;
  /**
   * What band the audio carries: `narrowband` (telephone audio, up to 4 kHz) runs the voice activity
   * detector in Silero's 8 kHz mode, which finds speech on telephone lines that the 16 kHz mode
   * misses; `wideband` runs the 16 kHz mode. Default `auto`: narrowband for 8 kHz streams; at higher
   * rates the stream starts wideband and the server finds the band from its first half second or so
   * of sound (a call bridged into a 16 or 48 kHz stream carries nothing above 4 kHz), switching to
   * narrowband if so and saying so in a `bandwidth` event. Say `narrowband` or `wideband` to skip the
   * detection; say `wideband` for an 8 kHz stream that mostly carries music (on telephone-line music
   * the 8 kHz mode finds more false speech).
   */
  bandwidth?: 'auto' | 'narrowband' | 'wideband';
}

/** First text message of a connection: declares the audio format and opens (or resumes) a stream. */
export interface StartMessage {
  type: 'start';
  /** Input sample rate in Hz; the server resamples to 16 kHz. */
  sampleRate: SupportedSampleRate;
  /** How each sample is encoded in the binary messages. */
  encoding: PcmEncoding;
  /** Interleaved channels per frame, 1..8; the server downmixes to mono. */
  channels: number;
  /** Stream id (see {@link ID_PATTERN}); a UUID is generated when absent. Reusing the id of an ended stream resumes its timeline. */
  streamId?: string;
  /** Streams of one speaker that should share normalisation statistics; defaults to the stream id. */
  sessionId?: string;
  /** Any JSON object of at most {@link MAX_METADATA_BYTES}, echoed to subscribers. */
  metadata?: Record<string, unknown>;
  options?: StreamOptions;
  /** API key, for clients that cannot set the `Authorization` or `X-API-Key` header (browsers). */
  apiKey?: string;
}

/** Ends the stream: the server flushes, sends final events and `summary`, then closes with 1000. */
export interface StopMessage {
  type: 'stop';
}

/** Liveness and latency probe, allowed at any time; answered by a `pong` with the same id. */
export interface PingMessage {
  type: 'ping';
  /** Echoed in the pong: a string of at most {@link MAX_PING_ID_LENGTH} characters or a finite number. */
  id?: string | number;
}

/** A text message from a streaming client. */
export type ClientMessage = StartMessage | StopMessage | PingMessage;
/** The `type` of every client message. */
export const CLIENT_MESSAGE_TYPES = ['start', 'stop', 'ping'] as const;

// ---------------------------------------------------------------------------------------------------
// Server -> client (text messages)

/** The model analysing a stream. */
export interface ModelInfo {
  /** Identifier of the model package, also in every emotion event. */
  id: string;
  /** Output classes in model order; the keys of every `scores` object. */
  classes: string[];
  /** Audio per window, in ms (3000). */
  windowMs: number;
  /** The model's default hop between windows, in ms (1000); `ready.options.hopMs` is the one in effect. */
  hopMs: number;
  /** Rate the model works at, in Hz (16000); stream time is counted in samples at this rate. */
  sampleRate: number;
}

/** The audio format a client declared. */
export interface InputFormat {
  sampleRate: SupportedSampleRate;
  encoding: PcmEncoding;
  channels: number;
}

/** Stream options with every default filled in. */
export interface ResolvedStreamOptions {
  uncertainThreshold: number;
  smoothing: { method: 'none' } | { method: 'ema'; alpha: number };
  hopMs: number;
  /** 0 when the stream has no early windows. */
  earlyMs: number;
  /** The band the stream starts analysed as (`auto` resolved from the sample rate). */
  bandwidth: 'narrowband' | 'wideband';
  /**
   * True when the band is found from the audio (`auto` above 8 kHz): a `bandwidth` event follows once
   * it is decided, and a `narrowband` decision switches the VAD from then on.
   */
  bandwidthDetection: boolean;
}

/** The stream is open: audio may flow. Carries everything the client needs to send and interpret it. */
export interface ReadyEvent {
  type: 'ready';
  streamId: string;
  /** The session whose normalisation statistics this stream shares (the stream id when none was given). */
  sessionId: string;
  /** {@link PROTOCOL_VERSION} of the server. */
  protocolVersion: number;
  model: ModelInfo;
  input: InputFormat;
  options: ResolvedStreamOptions;
  limits: StreamLimits;
  /** True when `streamId` named an ended stream whose timeline this connection continues. */
  resumed: boolean;
  /** Stream time of this connection's first sample, in ms: 0 for a new stream, the previous end when resumed. */
  startMs: number;
  /** Server wall clock, ms since the epoch. */
  emittedAt: number;
}

/** Start or end of a speech segment found by voice activity detection. */
export type SpeechEvent = {
  type: 'speech';
  streamId: string;
  /** Index of the segment in the stream, from 0; emotion events of the segment carry the same index. */
  segment: number;
  /** Stream time of the first speech sample, in ms. */
  startMs: number;
  /** Stream time at which the event became known, in ms (detection latency = detectedMs - startMs or - endMs). */
  detectedMs: number;
  emittedAt: number;
} & (
  | { event: 'start' }
  | {
      event: 'end';
      /** Stream time just after the last speech sample, in ms. */
      endMs: number;
    }
);

/**
 * Why a window was cut: a hop inside a long segment, the tail of one, a whole short utterance, or the
 * early, provisional window of a segment (`options.earlyMs`; superseded by the segment's later windows).
 */
export type WindowKind = 'hop' | 'tail' | 'utterance' | 'early';

/** The emotion of one analysis window. */
export interface EmotionEvent {
  type: 'emotion';
  streamId: string;
  /** Position in this stream's emotion events, from 0, without gaps (continues when resumed). */
  seq: number;
  /** Speech segment the window belongs to. */
  segment: number;
  kind: WindowKind;
  /** Stream time of the window's first audio sample, in ms (padding excluded). */
  startMs: number;
  /** Stream time just after the window's last audio sample, in ms. */
  endMs: number;
  /** Class with the highest (smoothed) score. */
  label: string;
  /** Score of `label`, in [0, 1]. */
  confidence: number;
  /** Calibrated probability per class, keys in model class order, summing to 1. */
  scores: Record<string, number>;
  /** True when `confidence` is below `options.uncertainThreshold`. */
  uncertain: boolean;
  /**
   * The window's estimated signal-to-noise ratio in dB, to 0.1 dB: its speech level over the stream's
   * noise floor (the quiet moments of the last 30 s). Studio and quiet-room speech reads 30-70,
   * background noise at 20 dB about 23, at 10 dB about 14. Absent when it could not be estimated.
   */
  snrDb?: number;
  modelId: string;
  /** Server wall clock when the message holding the window's last audio arrived, ms since the epoch. */
  receivedAt: number;
  /** Server wall clock when this event was sent; latency = emittedAt - receivedAt. */
  emittedAt: number;
}

/** Known values of `overloaded.reason`; others may be added. */
export type OverloadReason = 'queue_full' | 'deadline';

/** Windows the server had to drop instead of analysing: shedding is always reported, never silent. */
export interface OverloadedEvent {
  type: 'overloaded';
  streamId: string;
  /** Windows dropped. */
  shed: number;
  /** `queue_full`: the inference queue was full; `deadline`: the window would have been too late to matter. */
  reason: OverloadReason | (string & {});
  /** Stream time covered by the dropped windows, in ms. */
  startMs: number;
  endMs: number;
  emittedAt: number;
}

/**
 * The band found from the audio of a stream with `ready.options.bandwidthDetection`, sent once, when
 * decided (after about half a second of sound; never for a stream too quiet or short to decide).
 */
export interface BandwidthEvent {
  type: 'bandwidth';
  streamId: string;
  /**
   * `narrowband`: telephone audio; the VAD runs Silero's 8 kHz mode from `detectedMs` on (a segment in
   * progress goes on). `wideband`: nothing changes.
   */
  bandwidth: 'narrowband' | 'wideband';
  /** Stream time at which the band was decided, in ms. */
  detectedMs: number;
  /**
   * Energy of the 4.3-7.6 kHz band relative to the 0.3-3.4 kHz band over the loud audio heard, in dB:
   * narrowband below -50 (speech recorded at 16 kHz: about -30 to -5; a telephone call: -60 or lower,
   * the floor set by 16-bit rounding noise).
   */
  upperBandDb: number;
  /**
   * How far one sample parity's second (or first) differences fall under the other's over the same
   * audio, in dB: about 0 for recorded or properly resampled audio (-5 at worst); narrowband below -15,
   * as when a gateway upsampled 8 kHz audio by linear interpolation (-30 to -150) or by repeating
   * samples (under -270), whose images above 4 kHz the band test would take for speech.
   */
  upsampledDb: number;
  emittedAt: number;
}

/** Time and windows attributed to one label. */
export interface EmotionTotal {
  /** Stream time attributed to the label, in ms (see `SummaryEvent.emotions`). */
  ms: number;
  windows: number;
}

/** Why a stream ended: `stop`, the client vanished (`disconnect`), or the fatal error code that ended it. */
export type EndReason = 'stop' | 'disconnect' | ErrorCode | (string & {});

/** Totals of a whole stream (every connection of a resumed stream), sent once when it ends. */
export interface SummaryEvent {
  type: 'summary';
  streamId: string;
  endReason: EndReason;
  /** Audio received, in ms of stream time. */
  durationMs: number;
  /** Total length of the speech segments, in ms. */
  speechMs: number;
  /** Speech segments. */
  segments: number;
  /** Emotion events (analysed windows). */
  windows: number;
  /** Stream time covered by analysed windows, in ms; equals the sum of `emotions[*].ms`. */
  analysedMs: number;
  /**
   * Per label: the windows and the time attributed to it. Each window is attributed the audio it
   * added beyond the previous window: its own length when it does not overlap, the hop otherwise
   * (`endMs - max(startMs, previous endMs)`), so overlapping windows never count time twice.
   */
  emotions: Record<string, EmotionTotal>;
  /** Label with the most attributed time (ties: more windows, then model class order); null without windows. */
  dominant: string | null;
  /** Unweighted mean of the windows' scores per class (empty without windows). */
  meanScores: Record<string, number>;
  /** Windows flagged uncertain (also counted under their label). */
  uncertainWindows: number;
  /** Windows whose `snrDb` is under 20 dB (`NOISY_SNR_DB`): heard on a noisy line, so less accurate. */
  noisyWindows: number;
  counts: {
    /** Binary (audio) messages received. */
    messages: number;
    /** Audio bytes received. */
    bytes: number;
    /** Windows shed (sum of `overloaded.shed`). */
    shed: number;
    /** Connections that carried this stream (more than 1 when resumed). */
    connections: number;
  };
  emittedAt: number;
}

/** An error; when `fatal`, the server closes the socket with the code's close code right after. */
export interface ErrorEvent {
  type: 'error';
  /** Null when the error precedes the stream (e.g. a bad start). */
  streamId: string | null;
  code: ErrorCode | (string & {});
  /** Human-readable detail, with the offending path for schema violations. */
  message: string;
  fatal: boolean;
  emittedAt: number;
}

/** Answer to a ping. */
export interface PongEvent {
  type: 'pong';
  streamId: string | null;
  /** The ping's id, or null when it had none. */
  id: string | number | null;
  emittedAt: number;
}

/** A text message from the server on `/v1/stream`. */
export type ServerEvent =
  | ReadyEvent
  | SpeechEvent
  | EmotionEvent
  | OverloadedEvent
  | BandwidthEvent
  | SummaryEvent
  | ErrorEvent
  | PongEvent;
/** The `type` of every server event. */
export const SERVER_EVENT_TYPES = [
  'ready',
  'speech',
  'emotion',
  'overloaded',
  'bandwidth',
  'summary',
  'error',
  'pong',
] as const;

export * from './subscriber-messages.ts';
