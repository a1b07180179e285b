/**
 * Feeds a {@link DashboardStore} from the socket.io namespace `/v1/events`: timelines on subscribe
 * (and again after a reconnect, replacing each stream's state), then live events.
 */
import type { SubscribeRequest } from '@emostream/shared/protocol/messages';
import { type IoFunction, subscribeEvents } from '@emostream/shared/sdk/subscriber';
import { io } from 'socket.io-client';
import type { DashboardStore } from './store.ts';

/** Subscribes and returns a function that closes the subscription. */
export function connectStore(store: DashboardStore, url: string, request: SubscribeRequest): () => void {
  store.setConnection({ status: 'connecting', error: null });
  const sub = subscribeEvents(url, {
    ...request,
    io: io as unknown as IoFunction,
    ioOptions: { transports: ['websocket', 'polling'] },
  });
  sub.on('timeline', (t) => store.timeline(t));
  sub.on('stream.start', (e) => store.start(e));
  sub.on('speech', (e) => store.add(e));
  sub.on('emotion', (e) => store.add(e));
  sub.on('overloaded', (e) => store.add(e));
  sub.on('bandwidth', (e) => store.add(e));
  sub.on('stream.end', (e) => store.end(e));
  sub.on('disconnect', ({ reason }) =>
    store.setConnection({ status: 'reconnecting', error: { code: 'DISCONNECTED', message: reason } }),
  );
  sub.on('reconnect', () => store.setConnection({ status: 'live', error: null }));
  sub.on('error', (e) =>
    store.setConnection({ status: 'failed', error: { code: e.code, message: e.message } }),
  );
  let closed = false;
  sub.ready.then(
    () => store.setConnection({ status: 'live', error: null }),
    (e: { code?: string; message?: string }) => {
      if (!closed)
        store.setConnection({
          status: 'failed',
          error: { code: e.code ?? 'CONNECT_FAILED', message: e.message ?? String(e) },
        });
    },
  );
  return () => {
    closed = true;
    sub.close();
  };
}
