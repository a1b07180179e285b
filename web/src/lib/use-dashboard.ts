'use client';
/**
 * React bindings of the {@link DashboardStore}: one store per page, fed by a subscription, read with
 * `useSyncExternalStore`.
 */
import type { SubscribeRequest } from '@emostream/shared/protocol/messages';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { serverUrl } from './server-url.ts';
import { type DashboardSnapshot, DashboardStore } from './store.ts';
import { connectStore } from './subscription.ts';

/** A store that lives as long as the component. */
export function useStore(): DashboardStore {
  const [store] = useState(() => new DashboardStore());
  return store;
}

/** The store's current snapshot; re-renders at most once per animation frame. */
export function useSnapshot(store: DashboardStore): DashboardSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Subscribes `store` to the server while mounted (`request` null = not yet known). */
export function useSubscription(store: DashboardStore, request: SubscribeRequest | null): void {
  const key = request === null ? null : JSON.stringify(request);
  useEffect(() => {
    if (key === null) return;
    return connectStore(store, serverUrl(), JSON.parse(key) as SubscribeRequest);
  }, [store, key]);
}

/** Local wall clock, updated every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
