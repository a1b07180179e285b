/**
 * zod schemas of protocol v1, the runtime twin of the types in `messages.ts` (a type-level test keeps
 * them in step) and the source of `docs/protocol.schema.json`.
 *
 * Client messages are strict: an unknown field is an error, so that a typo in an option is reported
 * instead of silently ignored (version skew is handled by the `/v1` path, not by tolerance). Server
 * events are lenient: unknown fields are kept, so the server may add fields within v1 without
 * breaking clients; required fields are still checked strictly.
 */
import { z } from 'zod';
import { MAX_PCM_CHANNELS, PCM_ENCODINGS } from '../audio/pcm.ts';
import { ERROR_CODE_NAMES } from './codes.ts';
import {
  EARLY_MS_RANGE,
  HOP_MS_RANGE,
  ID_PATTERN,
  MAX_API_KEY_LENGTH,
  MAX_METADATA_BYTES,
  MAX_PING_ID_LENGTH,
  SUPPORTED_SAMPLE_RATES,
} from './messages.ts';

const utf8 = new TextEncoder();

/** Bytes of `value` serialised as JSON, in UTF-8. */
export function jsonByteLength(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).length;
}

const id = (what: string) =>
  z
    .string()
    .regex(ID_PATTERN, { error: `${what} must be 1-128 characters from [A-Za-z0-9._:-]` })
    .meta({ description: `${what}: 1-128 characters from [A-Za-z0-9._:-].` });

const streamTimeMs = (description: string) =>
  z
    .number()
    .min(0)
    .meta({ description: `${description} Stream time in ms (from sample counts).` });
const wallClock = (description: string) =>
  z
    .number()
    .int()
    .min(0)
    .meta({ description: `${description} Server wall clock, ms since the Unix epoch.` });
const count = (description: string) => z.number().int().min(0).meta({ description });
const probability = z.number().min(0).max(1);

/** `start.sampleRate`: a number outside the list is `UNSUPPORTED_SAMPLE_RATE` (see validate.ts). */
export const sampleRateSchema = z
  .literal(SUPPORTED_SAMPLE_RATES, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} Hz is not supported (supported: ${SUPPORTED_SAMPLE_RATES.join(', ')})`,
  })
  .meta({ description: 'Input sample rate in Hz; the server resamples to 16 kHz.' });

/** `start.encoding`: a string outside the list is `UNSUPPORTED_ENCODING`. */
export const encodingSchema = z
  .enum(PCM_ENCODINGS, {
    error: (issue) =>
      `encoding ${JSON.stringify(issue.input)} is not supported (supported: ${PCM_ENCODINGS.join(', ')})`,
  })
  .meta({
    description:
      'Sample encoding of the binary messages: pcm_s16le (2 bytes), pcm_f32le (4 bytes, finite), ' +
      'mulaw or alaw (G.711, 1 byte).',
  });

/** `start.channels`: a number that is not an integer in 1..8 is `BAD_CHANNEL_COUNT`. */
export const channelsSchema = z
  .number({ error: 'channels must be a number' })
  .int({ error: `channels must be an integer from 1 to ${MAX_PCM_CHANNELS}` })
  .min(1, { error: `channels must be an integer from 1 to ${MAX_PCM_CHANNELS}` })
  .max(MAX_PCM_CHANNELS, { error: `channels must be an integer from 1 to ${MAX_PCM_CHANNELS}` })
  .meta({ description: 'Interleaved channels per frame; the server downmixes to mono.' });

const smoothingSchema = z
  .discriminatedUnion('method', [
    z.strictObject({ method: z.literal('none') }),
    z.strictObject({
      method: z.literal('ema'),
      alpha: z
        .number()
        .gt(0)
        .max(1)
        .optional()
        .meta({ description: 'Weight of the newest window, in (0, 1]. Default 0.5.' }),
    }),
  ])
  .meta({ description: 'Score smoothing across the windows of one speech segment. Default none.' });

const streamOptionsSchema = z
  .strictObject({
    uncertainThreshold: probability.optional().meta({
      description: 'Confidence below which an event is flagged uncertain. Default: the model threshold.',
    }),
    smoothing: smoothingSchema.optional(),
    hopMs: z
      .number()
      .int()
      .multipleOf(HOP_MS_RANGE.step)
      .min(HOP_MS_RANGE.min)
      .max(HOP_MS_RANGE.max)
      .optional()
      .meta({ description: 'Hop between windows of a long segment in ms. Default: the model hop (1000).' }),
    earlyMs: z
      .union([
        z.literal(0),
        z.number().int().multipleOf(EARLY_MS_RANGE.step).min(EARLY_MS_RANGE.min).max(EARLY_MS_RANGE.max),
      ])
      .optional()
      .meta({
        description:
          "Speech in ms after which a segment gets an early, provisional emotion event (kind early); shorter than the model's window; 0 or absent: none.",
      }),
    bandwidth: z.enum(['auto', 'narrowband', 'wideband']).optional().meta({
      description:
        "Band the audio carries: narrowband (telephone, up to 4 kHz) runs the VAD in Silero's 8 kHz mode. Default auto: narrowband for 8 kHz streams, wideband otherwise.",
    }),
  })
  .meta({ description: 'Per-stream analysis options.' });

export const startMessageSchema = z
  .strictObject({
    type: z.literal('start'),
    sampleRate: sampleRateSchema,
    encoding: encodingSchema,
    channels: channelsSchema,
    streamId: id('streamId')
      .optional()
      .meta({ description: 'Stream id; generated when absent; an ended stream id resumes its timeline.' }),
    sessionId: id('sessionId')
      .optional()
      .meta({ description: 'Streams of one speaker sharing normalisation. Default: the stream id.' }),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => jsonByteLength(m) <= MAX_METADATA_BYTES, {
        error: `metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`,
      })
      .optional()
      .meta({ description: `JSON object of at most ${MAX_METADATA_BYTES} bytes, echoed to subscribers.` }),
    options: streamOptionsSchema.optional(),
    apiKey: z
      .string()
      .min(1)
      .max(MAX_API_KEY_LENGTH)
      .optional()
      .meta({ description: 'API key for clients that cannot set headers. Never echoed.' }),
  })
  .meta({ id: 'StartMessage', description: 'First text message: declares the audio and opens the stream.' });

export const stopMessageSchema = z.strictObject({ type: z.literal('stop') }).meta({
  id: 'StopMessage',
  description: 'Ends the stream; the server answers with summary and close 1000.',
});

export const pingMessageSchema = z
  .strictObject({
    type: z.literal('ping'),
    id: z.union([z.string().max(MAX_PING_ID_LENGTH), z.number()]).optional(),
  })
  .meta({ id: 'PingMessage', description: 'Answered by a pong carrying the same id.' });

export const clientMessageSchema = z
  .discriminatedUnion('type', [startMessageSchema, stopMessageSchema, pingMessageSchema])
  .meta({ id: 'ClientMessage', description: 'A text message from a streaming client.' });

// ---------------------------------------------------------------------------------------------------
// Server events: z.looseObject keeps fields added later within v1.

/** An enumeration that may grow within v1: known values are documented, any string is accepted. */
const openEnum = <const T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z.union([z.enum(values), z.string()]).meta({ description });

export const modelInfoSchema = z
  .looseObject({
    id: z.string().min(1),
    classes: z.array(z.string()).min(1),
    windowMs: z.number().positive(),
    hopMs: z.number().positive(),
    sampleRate: z.number().int().positive(),
  })
  .meta({ id: 'ModelInfo', description: 'The model analysing the stream.' });

export const inputFormatSchema = z
  .looseObject({ sampleRate: sampleRateSchema, encoding: encodingSchema, channels: channelsSchema })
  .meta({ id: 'InputFormat', description: 'The audio format the client declared.' });

export const streamLimitsSchema = z
  .looseObject({
    maxMessageBytes: count('Largest binary message in bytes.'),
    maxTextMessageBytes: count('Largest text message in bytes.'),
    maxStreamSeconds: z.number().positive(),
    startTimeoutMs: z.number().positive(),
    idleTimeoutMs: z.number().positive(),
    maxRealtimeFactor: z.number().positive(),
    rateBurstSeconds: z.number().min(0),
    maxControlMessagesPerSecond: z.number().positive(),
    maxLagMs: z.number().positive(),
    resumeWindowSeconds: z.number().min(0),
  })
  .meta({ id: 'StreamLimits', description: 'Limits the server enforces on the stream.' });

const resolvedOptionsSchema = z.looseObject({
  uncertainThreshold: probability,
  smoothing: z.discriminatedUnion('method', [
    z.looseObject({ method: z.literal('none') }),
    z.looseObject({ method: z.literal('ema'), alpha: z.number().gt(0).max(1) }),
  ]),
  hopMs: z.number().positive(),
  earlyMs: z.number().min(0),
  bandwidth: z.enum(['narrowband', 'wideband']),
  bandwidthDetection: z.boolean(),
});

export const readyEventSchema = z
  .looseObject({
    type: z.literal('ready'),
    streamId: z.string(),
    sessionId: z.string(),
    protocolVersion: z.number().int(),
    model: modelInfoSchema,
    input: inputFormatSchema,
    options: resolvedOptionsSchema,
    limits: streamLimitsSchema,
    resumed: z.boolean(),
    startMs: streamTimeMs("This connection's first sample."),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'ReadyEvent', description: 'The stream is open; audio may flow.' });

const speechBase = {
  type: z.literal('speech'),
  streamId: z.string(),
  segment: count('Speech segment index, from 0.'),
  startMs: streamTimeMs('First speech sample.'),
  detectedMs: streamTimeMs('Where the event became known.'),
  emittedAt: wallClock('When the event was sent.'),
};

export const speechEventSchema = z
  .discriminatedUnion('event', [
    z.looseObject({ ...speechBase, event: z.literal('start') }),
    z.looseObject({
      ...speechBase,
      event: z.literal('end'),
      endMs: streamTimeMs('Just after the last speech sample.'),
    }),
  ])
  .meta({ id: 'SpeechEvent', description: 'Start or end of a speech segment.' });

export const emotionEventSchema = z
  .looseObject({
    type: z.literal('emotion'),
    streamId: z.string(),
    seq: count('Position among the stream emotion events, from 0, without gaps.'),
    segment: count('Speech segment of the window.'),
    kind: z.enum(['hop', 'tail', 'utterance', 'early']),
    startMs: streamTimeMs("The window's first audio sample."),
    endMs: streamTimeMs("Just after the window's last audio sample."),
    label: z.string(),
    confidence: probability,
    scores: z.record(z.string(), probability).meta({ description: 'Probability per class, model order.' }),
    uncertain: z.boolean(),
    snrDb: z.number().optional().meta({
      description:
        "The window's estimated signal-to-noise ratio, dB (speech level over the stream's noise floor; under about 20: a noisy line).",
    }),
    modelId: z.string(),
    receivedAt: wallClock("When the window's last audio arrived."),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'EmotionEvent', description: 'The emotion of one analysis window.' });

export const overloadedEventSchema = z
  .looseObject({
    type: z.literal('overloaded'),
    streamId: z.string(),
    shed: z.number().int().positive(),
    reason: openEnum(['queue_full', 'deadline'], 'Why windows were shed.'),
    startMs: streamTimeMs('Start of the shed windows.'),
    endMs: streamTimeMs('End of the shed windows.'),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'OverloadedEvent', description: 'Windows dropped instead of analysed.' });

export const bandwidthEventSchema = z
  .looseObject({
    type: z.literal('bandwidth'),
    streamId: z.string(),
    bandwidth: z
      .enum(['narrowband', 'wideband'])
      .meta({ description: 'The band found; narrowband switches the VAD to its 8 kHz mode.' }),
    detectedMs: streamTimeMs('When the band was decided.'),
    upperBandDb: z.number().meta({ description: '4.3-7.6 kHz energy relative to 0.3-3.4 kHz, dB.' }),
    upsampledDb: z.number().meta({
      description:
        'Sample-parity ratio of the differences, dB: about 0 for recorded audio; narrowband below -15 (8 kHz audio upsampled without a filter).',
    }),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'BandwidthEvent', description: 'The band found from the audio (bandwidth detection).' });

const emotionTotalSchema = z.looseObject({ ms: z.number().min(0), windows: count('Windows.') });

export const summaryEventSchema = z
  .looseObject({
    type: z.literal('summary'),
    streamId: z.string(),
    endReason: openEnum(
      ['stop', 'disconnect', ...ERROR_CODE_NAMES] as [string, ...string[]],
      'Why the stream ended.',
    ),
    durationMs: streamTimeMs('Audio received.'),
    speechMs: z.number().min(0),
    segments: count('Speech segments.'),
    windows: count('Analysed windows.'),
    analysedMs: z.number().min(0),
    emotions: z.record(z.string(), emotionTotalSchema),
    dominant: z.string().nullable(),
    meanScores: z.record(z.string(), probability),
    uncertainWindows: count('Windows flagged uncertain.'),
    noisyWindows: count('Windows whose snrDb is under 20 dB (a noisy line).'),
    counts: z.looseObject({
      messages: count('Binary messages received.'),
      bytes: count('Audio bytes received.'),
      shed: count('Windows shed.'),
      connections: count('Connections of the stream.'),
    }),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'SummaryEvent', description: 'Totals of the whole stream, sent once when it ends.' });

export const errorEventSchema = z
  .looseObject({
    type: z.literal('error'),
    streamId: z.string().nullable(),
    code: openEnum(ERROR_CODE_NAMES as unknown as [string, ...string[]], 'Stable error code.'),
    message: z.string(),
    fatal: z.boolean(),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'ErrorEvent', description: 'An error; when fatal the socket closes right after.' });

export const pongEventSchema = z
  .looseObject({
    type: z.literal('pong'),
    streamId: z.string().nullable(),
    id: z.union([z.string(), z.number()]).nullable(),
    emittedAt: wallClock('When the event was sent.'),
  })
  .meta({ id: 'PongEvent', description: 'Answer to a ping.' });

export const serverEventSchema = z
  .discriminatedUnion('type', [
    readyEventSchema,
    speechEventSchema,
    emotionEventSchema,
    overloadedEventSchema,
    bandwidthEventSchema,
    summaryEventSchema,
    errorEventSchema,
    pongEventSchema,
  ])
  .meta({ id: 'ServerEvent', description: 'A text message from the server on /v1/stream.' });

// ---------------------------------------------------------------------------------------------------
// Subscriber events (socket.io /v1/events)

export const streamInfoSchema = z
  .looseObject({
    streamId: z.string(),
    sessionId: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    startedAt: wallClock('When the current connection started.'),
    model: modelInfoSchema,
    input: inputFormatSchema,
    bandwidth: z.enum(['narrowband', 'wideband']).meta({
      description: 'The band the stream is analysed as (ready.options.bandwidth, then as detected).',
    }),
    resumed: z.boolean(),
    startMs: streamTimeMs("The current connection's first sample."),
  })
  .meta({ id: 'StreamInfo', description: 'A stream as subscribers see it.' });

export const streamStartEventSchema = streamInfoSchema
  .extend({ type: z.literal('stream.start') })
  .meta({ id: 'StreamStartEvent', description: 'A stream started or resumed.' });

export const streamEndEventSchema = z
  .looseObject({
    type: z.literal('stream.end'),
    streamId: z.string(),
    endedAt: wallClock('When the stream ended.'),
    summary: summaryEventSchema,
  })
  .meta({ id: 'StreamEndEvent', description: 'A stream ended.' });

export const timelineEventSchema = z
  .looseObject({
    type: z.literal('timeline'),
    streamId: z.string(),
    stream: streamInfoSchema,
    active: z.boolean(),
    events: z.array(
      z.union([speechEventSchema, emotionEventSchema, overloadedEventSchema, bandwidthEventSchema]),
    ),
    truncated: z.boolean(),
    summary: summaryEventSchema.nullable(),
  })
  .meta({ id: 'TimelineEvent', description: 'Recent past of a stream, sent on subscribe.' });

export const subscriberEventSchema = z
  .discriminatedUnion('type', [
    streamStartEventSchema,
    streamEndEventSchema,
    speechEventSchema,
    emotionEventSchema,
    overloadedEventSchema,
    bandwidthEventSchema,
    timelineEventSchema,
  ])
  .meta({ id: 'SubscriberEvent', description: 'A socket.io event on /v1/events; name = type.' });

const streamIdsSchema = z.array(id('stream id')).max(1000);

export const subscribeRequestSchema = z
  .union([z.strictObject({ streams: streamIdsSchema }), z.strictObject({ all: z.literal(true) })])
  .meta({ id: 'SubscribeRequest', description: 'Payload of subscribe and unsubscribe.' });

export const subscribeAckSchema = z
  .union([
    z.looseObject({ ok: z.literal(true), streams: z.array(z.string()), all: z.boolean() }),
    z.looseObject({ ok: z.literal(false), error: z.looseObject({ code: z.string(), message: z.string() }) }),
  ])
  .meta({ id: 'SubscribeAck', description: 'Acknowledgement of subscribe and unsubscribe.' });
