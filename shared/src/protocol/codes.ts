/**
 * Stable error codes of protocol v1 and the WebSocket close code each fatal one uses. Clients switch
 * on `code`, never on `message`; codes are only ever added within v1, so clients must also cope with
 * a code they do not know (treat it by its `fatal` flag).
 *
 * Close codes follow one rule so that they can be read without the error event (which a client may
 * miss if it stops reading): standard codes (RFC 6455) where one fits, otherwise `40xx` for the HTTP
 * status `4xx` with the same meaning (4001 unauthorized, 4003 forbidden, 4008 timeout, 4009 conflict,
 * 4013 too large, 4029 too many requests).
 */

/** WebSocket close codes used by the server. */
export const CLOSE_CODES = Object.freeze({
  /** The stream ended after `stop`, its final events and its summary. */
  NORMAL: 1000,
  /** The server is shutting down (after flushing the stream and sending its summary). */
  GOING_AWAY: 1001,
  /** The stream's declared format is well-formed but not supported. */
  UNSUPPORTED_DATA: 1003,
  /** A message's content is invalid: a malformed `start`, or audio that breaks sample alignment. */
  INVALID_PAYLOAD: 1007,
  /** The client broke the protocol's order of messages (audio before `start`). */
  POLICY_VIOLATION: 1008,
  /** A message exceeded `limits.maxMessageBytes` or `limits.maxTextMessageBytes`. */
  MESSAGE_TOO_BIG: 1009,
  /** A server bug; the stream cannot continue. */
  INTERNAL_ERROR: 1011,
  /** The server cannot take the stream now; retry later with backoff. */
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4001,
  FORBIDDEN: 4003,
  TIMEOUT: 4008,
  CONFLICT: 4009,
  TOO_LARGE: 4013,
  TOO_MANY_REQUESTS: 4029,
} as const);

/** A close code the server may use. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** What a client needs to know about one error code. */
export interface ErrorCodeInfo {
  /** A fatal error is followed by the socket closing with `closeCode`; a non-fatal one changes nothing. */
  readonly fatal: boolean;
  /** Close code that follows a fatal error; `null` for non-fatal codes. */
  readonly closeCode: CloseCode | null;
  /** HTTP status when the same condition is reported by the HTTP API; `null` when it cannot happen there. */
  readonly httpStatus: number | null;
  /** When the server sends it and what the client should do. */
  readonly description: string;
}

const nonFatal = (httpStatus: number | null, description: string): ErrorCodeInfo => ({
  fatal: false,
  closeCode: null,
  httpStatus,
  description,
});

const fatal = (closeCode: CloseCode, httpStatus: number | null, description: string): ErrorCodeInfo => ({
  fatal: true,
  closeCode,
  httpStatus,
  description,
});

/**
 * Every error code of protocol v1. The rule for `fatal`: an error about one control message (it is
 * ignored, nothing about the stream changed) is non-fatal; an error about the stream's configuration,
 * its audio, its credentials or the server's capacity is fatal, because the stream cannot go on
 * meaningfully.
 */
export const ERROR_CODES = Object.freeze({
  BAD_JSON: nonFatal(400, 'A text message is not valid JSON. It is ignored.'),
  BAD_MESSAGE: nonFatal(
    400,
    'A text message is JSON but not an object with a string "type", or a stop/ping message violates ' +
      'its schema (the message names the offending path). It is ignored.',
  ),
  UNKNOWN_MESSAGE: nonFatal(400, 'A text message has a "type" the server does not know. It is ignored.'),
  BAD_START: fatal(
    CLOSE_CODES.INVALID_PAYLOAD,
    400,
    'The start message violates its schema: a missing or mistyped field, an unknown field, a value out ' +
      'of range, metadata over 4 KB. The message lists each offending path.',
  ),
  UNSUPPORTED_SAMPLE_RATE: fatal(
    CLOSE_CODES.UNSUPPORTED_DATA,
    400,
    'start.sampleRate is a number but not one of the supported rates.',
  ),
  UNSUPPORTED_ENCODING: fatal(
    CLOSE_CODES.UNSUPPORTED_DATA,
    400,
    'start.encoding is a string but not one of pcm_s16le, pcm_f32le, mulaw, alaw.',
  ),
  BAD_CHANNEL_COUNT: fatal(
    CLOSE_CODES.UNSUPPORTED_DATA,
    400,
    'start.channels is a number but not an integer from 1 to 8.',
  ),
  ALREADY_STARTED: nonFatal(
    null,
    'A second start message on a started connection. It is ignored; the first configuration stays.',
  ),
  NOT_STARTED: fatal(
    CLOSE_CODES.POLICY_VIOLATION,
    null,
    'Audio or stop arrived before a valid start message: the server cannot know how to read it.',
  ),
  ALREADY_STOPPED: nonFatal(
    null,
    'Audio or a second stop arrived after stop. Audio is discarded (and counted); the stream is ending.',
  ),
  ODD_BYTE_COUNT: fatal(
    CLOSE_CODES.INVALID_PAYLOAD,
    null,
    'A binary message is not a whole number of frames (bytesPerSample x channels). Fatal because the ' +
      'stream would otherwise continue misaligned: every later sample in the wrong channel or byte order.',
  ),
  NON_FINITE_SAMPLE: fatal(
    CLOSE_CODES.INVALID_PAYLOAD,
    null,
    'A pcm_f32le sample is NaN or infinite. Fatal because it shows the client is not sending what it ' +
      'declared, so no later audio of the stream can be trusted.',
  ),
  MESSAGE_TOO_LARGE: fatal(
    CLOSE_CODES.MESSAGE_TOO_BIG,
    413,
    'A binary message exceeds limits.maxMessageBytes or a text message exceeds limits.maxTextMessageBytes.',
  ),
  RATE_LIMITED: fatal(
    CLOSE_CODES.TOO_MANY_REQUESTS,
    429,
    'Audio arrives faster than limits.maxRealtimeFactor times real time beyond the allowed burst, or ' +
      'control messages faster than limits.maxControlMessagesPerSecond.',
  ),
  STREAM_TOO_LONG: fatal(
    CLOSE_CODES.TOO_LARGE,
    413,
    'The stream reached limits.maxStreamSeconds of audio. Audio up to the limit is analysed and summarised.',
  ),
  IDLE_TIMEOUT: fatal(
    CLOSE_CODES.TIMEOUT,
    null,
    'No start within limits.startTimeoutMs of connecting, or no message within limits.idleTimeoutMs.',
  ),
  UNAUTHORIZED: fatal(CLOSE_CODES.UNAUTHORIZED, 401, 'Missing or invalid API key.'),
  FORBIDDEN: fatal(
    CLOSE_CODES.FORBIDDEN,
    403,
    'The API key is valid but may not do this (e.g. resume or watch a stream of another tenant).',
  ),
  STREAM_ID_IN_USE: fatal(
    CLOSE_CODES.CONFLICT,
    409,
    'start.streamId names a stream that is still active on another connection.',
  ),
  TOO_MANY_STREAMS: fatal(
    CLOSE_CODES.TOO_MANY_REQUESTS,
    429,
    'The API key already has its maximum number of concurrent streams.',
  ),
  OVERLOADED: fatal(
    CLOSE_CODES.TRY_AGAIN_LATER,
    503,
    'The server cannot take another stream now. Retry with exponential backoff.',
  ),
  INFERENCE_FAILED: nonFatal(
    500,
    "The inference engine failed on a batch holding one of this stream's windows: that window has no " +
      'emotion event. The stream goes on; other batches are unaffected.',
  ),
  LAGGING: nonFatal(
    null,
    'Analysis of this stream has fallen more than limits.maxLagMs behind the audio received. A warning: ' +
      'if it persists, windows are shed and reported in overloaded events.',
  ),
  SHUTTING_DOWN: fatal(
    CLOSE_CODES.GOING_AWAY,
    503,
    'The server is shutting down. The stream was flushed and summarised; reconnect with the same ' +
      'streamId to resume its timeline on another instance.',
  ),
  INTERNAL: fatal(CLOSE_CODES.INTERNAL_ERROR, 500, 'A server bug. The stream is summarised if possible.'),
  NOT_FOUND: nonFatal(404, 'HTTP only: no active or recently ended stream has this id.'),
} as const satisfies Record<string, ErrorCodeInfo>);

/** A stable error code of protocol v1. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Every error code, in documentation order. */
export const ERROR_CODE_NAMES = Object.freeze(Object.keys(ERROR_CODES) as ErrorCode[]);

/** Type guard for codes read off the wire. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
