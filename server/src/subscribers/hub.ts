/**
 * Subscribers on the socket.io namespace `/v1/events` (protocol section 7): dashboards and
 * integrations subscribe to streams by id or to all streams of their tenant, get each matching
 * stream's recent timeline first, then its live events.
 *
 * A slow subscriber never stalls the pipeline: events go through a bounded per-subscriber queue
 * that is only written to the socket while the transport's own buffer is small; past the bound the
 * oldest queued events are dropped (counted), and a subscriber that has lost more than
 * `maxDropped` events is disconnected.
 */
import type { SubscribeAck, SubscriberEvent } from '@emostream/shared/protocol/messages';
import type { Server as IoServer, Namespace, Socket } from 'socket.io';
import { Authenticator, keyFromHeaders, type Principal } from '../auth.ts';
import type { StreamRecord, StreamRegistry } from '../stream/registry.ts';
import { validateSubscribeRequest } from './subscribe-request.ts';

export interface HubOptions {
  maxSubscribers: number;
  bufferEvents: number;
  maxDropped: number;
  onDropped?: (n: number) => void;
  onCount?: (n: number) => void;
}

/** Events a transport may hold unsent before we stop writing to it and queue instead. */
const TRANSPORT_HIGH_WATER = 64;

class Subscriber {
  all = false;
  readonly ids = new Set<string>();
  private queue: Array<[string, unknown]> = [];
  private head = 0;
  dropped = 0;

  constructor(
    readonly socket: Socket,
    readonly principal: Principal,
    private readonly o: HubOptions,
  ) {
    socket.conn.on('drain', () => this.pump());
  }

  matches(r: StreamRecord): boolean {
    if (!Authenticator.canWatch(this.principal, r.tenant, r.info.streamId)) return false;
    return this.all || this.ids.has(r.info.streamId);
  }

  private backlog(): number {
    const wb = (this.socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer;
    return wb?.length ?? 0;
  }

  send(name: string, payload: unknown): void {
    if (this.head === this.queue.length && this.backlog() < TRANSPORT_HIGH_WATER) {
      this.socket.emit(name, payload);
      return;
    }
    this.queue.push([name, payload]);
    const excess = this.queue.length - this.head - this.o.bufferEvents;
    if (excess > 0) {
      this.head += excess;
      this.dropped += excess;
      this.o.onDropped?.(excess);
      if (this.dropped > this.o.maxDropped) {
        this.socket.disconnect(true);
        return;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.pump();
  }

  pump(): void {
    while (this.head < this.queue.length && this.backlog() < TRANSPORT_HIGH_WATER) {
      const [name, payload] = this.queue[this.head++]!;
      this.socket.emit(name, payload);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
  }
}

export class SubscriberHub {
  private readonly subs = new Set<Subscriber>();
  readonly namespace: Namespace;

  constructor(
    io: IoServer,
    private readonly auth: Authenticator,
    private readonly registry: StreamRegistry,
    private readonly o: HubOptions,
  ) {
    this.namespace = io.of('/v1/events');
    this.namespace.use((socket, next) => {
      const fromAuth = (socket.handshake.auth as { apiKey?: unknown } | undefined)?.apiKey;
      const key = typeof fromAuth === 'string' ? fromAuth : keyFromHeaders(socket.handshake.headers);
      const principal = this.auth.authenticate(key);
      if (!principal) {
        const err = new Error('missing or invalid API key') as Error & { data?: unknown };
        err.data = { code: 'UNAUTHORIZED', message: 'missing or invalid API key' };
        next(err);
        return;
      }
      if (this.subs.size >= this.o.maxSubscribers) {
        const err = new Error('too many subscribers') as Error & { data?: unknown };
        err.data = {
          code: 'OVERLOADED',
          message: `the server already has ${this.o.maxSubscribers} subscribers`,
        };
        next(err);
        return;
      }
      (socket.data as { principal?: Principal }).principal = principal;
      next();
    });
    this.namespace.on('connection', (socket) => this.onConnection(socket));
  }

  get count(): number {
    return this.subs.size;
  }

  private onConnection(socket: Socket): void {
    const principal = (socket.data as { principal: Principal }).principal;
    const sub = new Subscriber(socket, principal, this.o);
    this.subs.add(sub);
    this.o.onCount?.(this.subs.size);
    socket.on('disconnect', () => {
      this.subs.delete(sub);
      this.o.onCount?.(this.subs.size);
    });
    const handler = (subscribe: boolean) => (payload: unknown, ack?: unknown) => {
      const reply = (a: SubscribeAck) => {
        if (typeof ack === 'function') (ack as (a: SubscribeAck) => void)(a);
      };
      try {
        reply(this.onRequest(sub, subscribe, payload));
      } catch (e) {
        reply({ ok: false, error: { code: 'INTERNAL', message: (e as Error).message } });
      }
    };
    socket.on('subscribe', handler(true));
    socket.on('unsubscribe', handler(false));
  }

  private onRequest(sub: Subscriber, subscribe: boolean, payload: unknown): SubscribeAck {
    const req = validateSubscribeRequest(payload);
    if (!req.ok) return { ok: false, error: { code: 'BAD_MESSAGE', message: req.message } };
    const added: StreamRecord[] = [];
    if ('all' in req.value) {
      if (subscribe) {
        if (sub.principal.watch !== 'all') {
          return {
            ok: false,
            error: { code: 'FORBIDDEN', message: 'subscribing to all streams needs a tenant-wide key' },
          };
        }
        sub.all = true;
        for (const r of this.registry.known()) if (sub.matches(r)) added.push(r);
      } else {
        sub.all = false;
        sub.ids.clear();
      }
    } else {
      for (const id of req.value.streams) {
        if (subscribe) {
          if (sub.principal.watch !== 'all' && !sub.principal.watch.some((p) => id.startsWith(p))) {
            return {
              ok: false,
              error: { code: 'FORBIDDEN', message: `this key may not watch stream ${id}` },
            };
          }
        }
      }
      for (const id of req.value.streams) {
        if (subscribe) {
          const had = sub.ids.has(id) || sub.all;
          sub.ids.add(id);
          const r = this.registry.get(id);
          if (r && !had && sub.matches(r)) added.push(r);
        } else sub.ids.delete(id);
      }
    }
    for (const r of added) sub.send('timeline', this.registry.timeline(r));
    return { ok: true, streams: [...sub.ids], all: sub.all };
  }

  /** Sends an event about stream `r` to every subscriber that follows it. */
  publish(r: StreamRecord, event: SubscriberEvent): void {
    for (const s of this.subs) if (s.matches(r)) s.send(event.type, event);
  }

  closeAll(): void {
    for (const s of this.subs) s.socket.disconnect(true);
  }
}
