/**
 * The emostream client SDK: stream audio with {@link EmotionStreamClient}, follow streams with
 * {@link subscribeEvents}. Works in Node (inject `WebSocket` from `ws` before Node 22) and browsers.
 */
export { type AudioSamples, chunkBytes, encodeAudio, frameBytes } from './audio.ts';
export {
  buildStartMessage,
  eventsUrl,
  type StartOptions,
  serializeClientMessage,
  streamUrl,
} from './build.ts';
export {
  type CloseInfo,
  type ConnectOptions,
  EmotionStreamClient,
  type InvalidEventInfo,
  type SendPacedOptions,
  type SendResult,
  type StreamEventMap,
  type StreamState,
} from './client.ts';
export { EventQueue, TypedEmitter, type Unsubscribe } from './dispatch.ts';
export { type ClientErrorCode, EmotionStreamError, type StreamErrorCode } from './errors.ts';
export {
  type Clock,
  type PacedChunk,
  type PacingOptions,
  pacingPlan,
  runPaced,
  systemClock,
} from './pacing.ts';
export {
  type EventSubscription,
  type IoFunction,
  type IoOptions,
  type SocketIoSocketLike,
  type SubscribeOptions,
  type SubscriberEventMap,
  subscribeEvents,
} from './subscriber.ts';
export { READY_STATE, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from './websocket.ts';
