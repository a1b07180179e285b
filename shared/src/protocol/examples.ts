/**
 * One realistic example of every protocol message, typed against `messages.ts` (so the compiler
 * checks them) and validated against the zod schemas by the tests (so types and schemas agree at
 * runtime too). Server, SDK and load tests may use them as fixtures; `docs/protocol.md` shows the same
 * shapes.
 */
import type {
  BandwidthEvent,
  EmotionEvent,
  ErrorEvent,
  OverloadedEvent,
  PingMessage,
  PongEvent,
  ReadyEvent,
  SpeechEvent,
  StartMessage,
  StopMessage,
  StreamEndEvent,
  StreamInfo,
  StreamStartEvent,
  SubscribeAck,
  SubscribeRequest,
  SummaryEvent,
  TimelineEvent,
} from './messages.ts';
import { DEFAULT_LIMITS } from './messages.ts';

const streamId = 'call-7f3a';
const classes = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];
const t0 = 1767225600000;

export const exampleStart: StartMessage = {
  type: 'start',
  sampleRate: 8000,
  encoding: 'mulaw',
  channels: 1,
  streamId,
  sessionId: 'agent-12:caller',
  metadata: { campaign: 'renewals', agent: 'A-12' },
  options: { uncertainThreshold: 0.55, smoothing: { method: 'ema', alpha: 0.6 }, hopMs: 1000 },
  apiKey: 'sk_live_example',
};

export const exampleStop: StopMessage = { type: 'stop' };

export const examplePing: PingMessage = { type: 'ping', id: 17 };

export const exampleModel = {
  id: 'ekman7-vgg2d-2026-01',
  classes,
  windowMs: 3000,
  hopMs: 1000,
  sampleRate: 16000,
};

export const exampleReady: ReadyEvent = {
  type: 'ready',
  streamId,
  sessionId: 'agent-12:caller',
  protocolVersion: 1,
  model: exampleModel,
  input: { sampleRate: 8000, encoding: 'mulaw', channels: 1 },
  options: {
    uncertainThreshold: 0.55,
    smoothing: { method: 'ema', alpha: 0.6 },
    hopMs: 1000,
    earlyMs: 0,
    bandwidth: 'narrowband',
    bandwidthDetection: false,
  },
  limits: { ...DEFAULT_LIMITS },
  resumed: false,
  startMs: 0,
  emittedAt: t0 + 12,
};

export const exampleSpeechStart: Extract<SpeechEvent, { event: 'start' }> = {
  type: 'speech',
  streamId,
  event: 'start',
  segment: 0,
  startMs: 1248,
  detectedMs: 1632,
  emittedAt: t0 + 1700,
};

export const exampleSpeechEnd: Extract<SpeechEvent, { event: 'end' }> = {
  type: 'speech',
  streamId,
  event: 'end',
  segment: 0,
  startMs: 1248,
  endMs: 6336,
  detectedMs: 7104,
  emittedAt: t0 + 7150,
};

export const exampleEmotion: EmotionEvent = {
  type: 'emotion',
  streamId,
  seq: 0,
  segment: 0,
  kind: 'hop',
  startMs: 1152,
  endMs: 4152,
  label: 'angry',
  confidence: 0.71,
  scores: {
    neutral: 0.08,
    happy: 0.02,
    sad: 0.03,
    angry: 0.71,
    fearful: 0.06,
    disgust: 0.07,
    surprised: 0.03,
  },
  uncertain: false,
  snrDb: 41.3,
  modelId: exampleModel.id,
  receivedAt: t0 + 4190,
  emittedAt: t0 + 4236,
};

export const exampleOverloaded: OverloadedEvent = {
  type: 'overloaded',
  streamId,
  shed: 2,
  reason: 'queue_full',
  startMs: 4152,
  endMs: 7152,
  emittedAt: t0 + 7300,
};

/**
 * Another stream: a telephone call bridged into a 16 kHz stream, whose band `auto` found from the
 * audio (the example stream above is an 8 kHz call, narrowband from the start).
 */
export const exampleBandwidth: BandwidthEvent = {
  type: 'bandwidth',
  streamId: 'bridge-5c21',
  bandwidth: 'narrowband',
  detectedMs: 1728,
  upperBandDb: -114.3,
  upsampledDb: -0.2,
  emittedAt: t0 + 1790,
};

export const exampleSummary: SummaryEvent = {
  type: 'summary',
  streamId,
  endReason: 'stop',
  durationMs: 9000,
  speechMs: 5088,
  segments: 1,
  windows: 1,
  analysedMs: 3000,
  emotions: { angry: { ms: 3000, windows: 1 } },
  dominant: 'angry',
  meanScores: exampleEmotion.scores,
  uncertainWindows: 0,
  noisyWindows: 0,
  counts: { messages: 450, bytes: 72000, shed: 2, connections: 1 },
  emittedAt: t0 + 9120,
};

export const exampleError: ErrorEvent = {
  type: 'error',
  streamId: null,
  code: 'UNSUPPORTED_SAMPLE_RATE',
  message:
    'invalid start: sampleRate: 12000 Hz is not supported (supported: 8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)',
  fatal: true,
  emittedAt: t0 + 3,
};

export const examplePong: PongEvent = { type: 'pong', streamId, id: 17, emittedAt: t0 + 2000 };

export const exampleStreamInfo: StreamInfo = {
  streamId,
  sessionId: 'agent-12:caller',
  metadata: { campaign: 'renewals', agent: 'A-12' },
  startedAt: t0 + 12,
  model: exampleModel,
  input: { sampleRate: 8000, encoding: 'mulaw', channels: 1 },
  bandwidth: 'narrowband',
  resumed: false,
  startMs: 0,
};

export const exampleStreamStart: StreamStartEvent = { type: 'stream.start', ...exampleStreamInfo };

export const exampleStreamEnd: StreamEndEvent = {
  type: 'stream.end',
  streamId,
  endedAt: t0 + 9125,
  summary: exampleSummary,
};

export const exampleTimeline: TimelineEvent = {
  type: 'timeline',
  streamId,
  stream: exampleStreamInfo,
  active: true,
  events: [exampleSpeechStart, exampleEmotion],
  truncated: false,
  summary: null,
};

export const exampleSubscribe: SubscribeRequest = { streams: [streamId] };

export const exampleSubscribeAck: SubscribeAck = { ok: true, streams: [streamId], all: false };

/** Every client text message example. */
export const CLIENT_EXAMPLES = [exampleStart, exampleStop, examplePing] as const;
/** Every server event example. */
export const SERVER_EXAMPLES = [
  exampleReady,
  exampleSpeechStart,
  exampleSpeechEnd,
  exampleEmotion,
  exampleOverloaded,
  exampleBandwidth,
  exampleSummary,
  exampleError,
  examplePong,
] as const;
/** Every subscriber event example. */
export const SUBSCRIBER_EXAMPLES = [
  exampleStreamStart,
  exampleStreamEnd,
  exampleSpeechStart,
  exampleEmotion,
  exampleOverloaded,
  exampleBandwidth,
  exampleTimeline,
] as const;
