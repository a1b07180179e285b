/**
 * The one error type the SDK rejects and throws with. `code` is a protocol error code when the server
 * sent one (see `ERROR_CODES`), or one of the SDK's own codes for what happened on the client side.
 */
import type { ErrorCode, ErrorEvent } from '../protocol/messages.ts';

/** Codes for failures the client detects itself. */
export type ClientErrorCode =
  /** No WebSocket constructor: pass `WebSocket` (e.g. from the `ws` package) on Node < 22. */
  | 'NO_WEBSOCKET'
  /** The socket could not be opened, or closed before `ready` without an error event. */
  | 'CONNECT_FAILED'
  /** No `ready` (or subscribe acknowledgement) within the timeout. */
  | 'CONNECT_TIMEOUT'
  /** No `summary` within the timeout after `stop`. */
  | 'STOP_TIMEOUT'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** The socket closed while the operation was pending. */
  | 'CLOSED'
  /** Audio or a message was sent on a stream that is not open (stopping or closed). */
  | 'NOT_OPEN'
  /** An event iterator's consumer fell more than its buffer behind. */
  | 'QUEUE_OVERFLOW';

/** Any code an {@link EmotionStreamError} may carry; unknown server codes pass through as strings. */
export type StreamErrorCode = ErrorCode | ClientErrorCode | (string & {});

/** An error from the server or the SDK, with a stable code. */
export class EmotionStreamError extends Error {
  readonly code: StreamErrorCode;
  /** WebSocket close code, when the failure came with a close. */
  readonly closeCode: number | null;
  /** The server's error event, when there was one. */
  readonly event: ErrorEvent | null;

  constructor(
    code: StreamErrorCode,
    message: string,
    options: { closeCode?: number | null; event?: ErrorEvent | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmotionStreamError';
    this.code = code;
    this.closeCode = options.closeCode ?? null;
    this.event = options.event ?? null;
  }
}
