/**
 * The part of the WHATWG WebSocket the SDK uses, typed structurally so that the browser's
 * `WebSocket`, Node 22's global one and the `ws` package's class all fit without a DOM dependency.
 */
import { EmotionStreamError } from './errors.ts';

/** A WebSocket as the SDK uses it. */
export interface WebSocketLike {
  readonly readyState: number;
  /** Bytes queued by `send` but not yet transmitted. */
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: string | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string; wasClean: boolean }) => void,
  ): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket`, or `WebSocket` from the `ws` package. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** WebSocket `readyState` values. */
export const READY_STATE = Object.freeze({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

/**
 * The injected constructor, else the global one.
 *
 * @throws {EmotionStreamError} `NO_WEBSOCKET` when neither exists (Node 20 has no global WebSocket).
 */
export function resolveWebSocket(injected?: WebSocketConstructor): WebSocketConstructor {
  const ctor = injected ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof ctor !== 'function') {
    throw new EmotionStreamError(
      'NO_WEBSOCKET',
      'no WebSocket implementation: this runtime has no global WebSocket (Node < 22); pass one, e.g. ' +
        "`{ WebSocket }` from the 'ws' package",
    );
  }
  return ctor;
}
