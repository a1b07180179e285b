/**
 * Typed event dispatch for the SDK: an emitter keyed by event name, and a bounded async queue that
 * turns events into an async iterator.
 *
 * @example
 * ```ts
 * const emitter = new TypedEmitter<{ emotion: EmotionEvent }>();
 * const off = emitter.on('emotion', (e) => console.log(e.label));
 * off();
 * ```
 */
import { EmotionStreamError } from './errors.ts';

/** Removes the handler it was returned for. */
export type Unsubscribe = () => void;

/** Reports a handler's exception without stopping dispatch, like DOM EventTarget does. */
function reportHandlerError(error: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else
    queueMicrotask(() => {
      throw error;
    });
}

/** An event emitter whose event names and payloads are checked by the compiler. */
export class TypedEmitter<M> {
  private readonly handlers = new Map<keyof M, Set<(event: never) => void>>();

  /** Calls `handler` for every `type` event until the returned function is called. */
  on<K extends keyof M>(type: K, handler: (event: M[K]) => void): Unsubscribe {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    // A wrapper per registration, so the same function registered twice is removed once per call.
    const wrapper = (event: M[K]) => handler(event);
    set.add(wrapper as (event: never) => void);
    return () => {
      set.delete(wrapper as (event: never) => void);
    };
  }

  /** Like {@link on}, for the next event only. */
  once<K extends keyof M>(type: K, handler: (event: M[K]) => void): Unsubscribe {
    const off = this.on(type, (event) => {
      off();
      handler(event);
    });
    return off;
  }

  /** Number of handlers for `type`. */
  listenerCount(type: keyof M): number {
    return this.handlers.get(type)?.size ?? 0;
  }

  /**
   * Calls every handler of `type` in registration order. A handler that throws does not stop the
   * others; its exception is reported asynchronously (`reportError`, or an uncaught exception).
   */
  emit<K extends keyof M>(type: K, event: M[K]): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (event: M[K]) => void)(event);
      } catch (error) {
        reportHandlerError(error);
      }
    }
  }

  /** Removes every handler. */
  clear(): void {
    this.handlers.clear();
  }
}

/**
 * A bounded queue read as an async iterator. Producers `push`; the iterator yields in order and ends
 * after `end()` once drained. Overflow is never silent: when more than `capacity` items wait, the
 * iterator throws `QUEUE_OVERFLOW` (after yielding what it holds) and the queue stops accepting.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((error: unknown) => void) | null = null;
  private done = false;
  private error: unknown = null;

  constructor(
    readonly capacity: number,
    private readonly onReturn?: () => void,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new TypeError(`capacity must be a positive integer`);
  }

  /** Adds an item; ignored once the queue has ended or failed. */
  push(item: T): void {
    if (this.done || this.error !== null) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.fail(
        new EmotionStreamError(
          'QUEUE_OVERFLOW',
          `event consumer fell behind by more than ${this.capacity} events`,
        ),
      );
      return;
    }
    this.items.push(item);
  }

  /** Ends the iteration after the queued items. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.waiting && this.items.length === 0) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  /** Makes the iterator throw `error` after the queued items. */
  fail(error: unknown): void {
    if (this.done || this.error !== null) return;
    this.error = error;
    if (this.failWaiting && this.items.length === 0) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = null;
      reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.error !== null) {
      const error = this.error;
      this.done = true;
      this.error = null;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  /** Called by `break` in `for await`: stops the queue and drops what it holds. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.error = null;
    this.end();
    this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
