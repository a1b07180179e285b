/**
 * Dynamic micro-batching of emotion windows across all live streams, after Triton's dynamic
 * batcher: a batch leaves as soon as `maxBatchSize` windows are queued, otherwise once the OLDEST
 * queued window has waited `maxQueueDelayMs` (later arrivals never extend that wait). Batches are
 * formed FIFO and at most `maxConcurrentBatches` run on the engine at once; while they run, windows
 * queue, and a full or overdue batch leaves the moment a slot frees.
 *
 * Overload is explicit: the queue holds at most `maxQueueSize` windows (those in flight are not
 * counted, so at most `maxQueueSize + maxConcurrentBatches * maxBatchSize` windows are held), and
 * a shed window's promise rejects with a {@link ShedError}, is counted in `stats()` and emitted as a
 * `shed` event. Reasons: `queue-full` (the arriving window, policy `reject-new`), `displaced` (the
 * oldest queued window, policy `drop-oldest`), `deadline` (still queued `maxWaitMs` after it was
 * enqueued: a live stream would rather lose a stale window than fall further behind).
 *
 * Results of one stream resolve in submission order, also with concurrent batches (a batch that
 * finishes early waits for the ones launched before it). Shedding and aborts reject at once, so a
 * rejection may come before an earlier window of the same stream resolves. A failed engine call
 * rejects only its own batch's windows, with an {@link InferenceError}.
 *
 * Windows are copied into a preallocated batch buffer (`maxBatchSize` windows, one per concurrent
 * batch, reallocated only when the window size grows) that is not reused before the engine call
 * settles. Each result is a `subarray` view into the engine's output (`copyResults` for copies).
 *
 * @example
 * const batcher = new MicroBatcher(engine, { maxBatchSize: 32, maxQueueDelayMs: 10, maxWaitMs: 500 });
 * batcher.on('shed', (s) => shedCounter.inc({ reason: s.reason }));
 * const logits = await batcher.submit({ streamId, data: window.data, signal: session.signal });
 * await batcher.close(); // at shutdown: refuse new windows, finish the queued ones
 */
import type { InferenceEngine } from '../engine/onnx-engine.ts';
import { type Clock, realClock, type TimerHandle } from './clock.ts';

export type OverflowPolicy = 'reject-new' | 'drop-oldest';
export type ShedReason = 'queue-full' | 'displaced' | 'deadline';
/** Why a batch left: it was full, its oldest window was due, or `drain()`/`close()` flushed it. */
export type BatchReason = 'full' | 'delay' | 'drain';

export interface MicroBatcherOptions {
  /** Most windows in one engine call; a batch leaves as soon as this many are queued. */
  maxBatchSize: number;
  /**
   * Longest a partial batch waits, counted from when its oldest window was enqueued (0 = leave
   * whenever a slot is free).
   */
  maxQueueDelayMs: number;
  /** Most windows waiting for a batch (in-flight ones excluded); at least `maxBatchSize`. */
  maxQueueSize: number;
  /** What a full queue sheds: the arriving window (`reject-new`) or the oldest queued one (`drop-oldest`). */
  overflow: OverflowPolicy;
  /** A window still queued this long after enqueueing is shed (`deadline`); must exceed `maxQueueDelayMs`. */
  maxWaitMs: number;
  /** Batches on the engine at once; above 1 only helps an engine that runs calls in parallel. */
  maxConcurrentBatches: number;
  /**
   * Resolve each window with a copy of its logits instead of a view into the engine's output. Views
   * keep the batch's output alive and need an engine that returns a fresh array per call (OnnxEngine does).
   */
  copyResults: boolean;
  /** Time source and timers; durations are differences of `clock.now()`, which must be monotonic. */
  clock: Clock;
  /** Called after each engine call (same as `on('batch', ...)`). */
  onBatch?: (info: BatchInfo) => void;
}

export const defaultMicroBatcherOptions: Readonly<Omit<MicroBatcherOptions, 'onBatch'>> = {
  maxBatchSize: 32,
  maxQueueDelayMs: 10,
  maxQueueSize: 1024,
  overflow: 'reject-new',
  maxWaitMs: Number.POSITIVE_INFINITY,
  maxConcurrentBatches: 1,
  copyResults: false,
  clock: realClock,
};

/** One window of one stream: `engine.inputSize` values. */
export interface WindowRequest {
  streamId: string;
  /** Read when its batch is formed (not at submit): keep it unchanged until the promise settles. */
  data: Float32Array;
  /** Aborting while the window is queued removes it and rejects with `signal.reason` (not a shed). */
  signal?: AbortSignal;
}

export interface ShedInfo {
  streamId: string;
  reason: ShedReason;
  /** Time the window spent queued (0 for `queue-full`). */
  waitedMs: number;
  /** Windows queued after the shed. */
  queued: number;
}

export interface BatchInfo {
  size: number;
  reason: BatchReason;
  /** How long the oldest window of the batch was queued. */
  queueDelayMs: number;
  inferMs: number;
  /** Set when the engine call failed. */
  error?: InferenceError;
}

export interface MicroBatcherStats {
  queued: number;
  queuedPeak: number;
  /** Windows dispatched and not yet settled. */
  inFlight: number;
  inFlightBatches: number;
  submitted: number;
  completed: number;
  /** Batches and windows sent to the engine (failed ones included). */
  batches: number;
  windows: number;
  failedBatches: number;
  failedWindows: number;
  shedTotal: number;
  shedByReason: Record<ShedReason, number>;
  aborted: number;
  listenerErrors: number;
  /** Count of batches by size (index = size, 0 unused). */
  batchSizeHistogram: number[];
  lastBatchMs: number;
  lastQueueDelayMs: number;
}

export interface MicroBatcherEvents {
  shed: ShedInfo;
  batch: BatchInfo;
}

/** A window shed under overload (queue full or deadline passed) instead of being run late. */
export class ShedError extends Error {
  readonly code = 'OVERLOADED' as const;
  constructor(
    readonly streamId: string,
    readonly reason: ShedReason,
    readonly waitedMs: number,
  ) {
    super(`batcher overloaded: window of stream '${streamId}' shed (${reason}) after ${waitedMs} ms queued`);
    this.name = 'ShedError';
  }
}

/** The engine call of a window's batch failed; `cause` is the engine's error. */
export class InferenceError extends Error {
  readonly code = 'INFERENCE_FAILED' as const;
  constructor(
    message: string,
    readonly batchSize: number,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'InferenceError';
  }
}

/** `submit()` after `close()`. */
export class BatcherClosedError extends Error {
  readonly code = 'CLOSED' as const;
  constructor() {
    super('micro-batcher is closed: it accepts no new windows');
    this.name = 'BatcherClosedError';
  }
}

interface Pending {
  readonly streamId: string;
  readonly data: Float32Array;
  readonly seq: number;
  readonly enqueuedAt: number;
  resolve: (logits: Float32Array) => void;
  reject: (error: unknown) => void;
  prev: Pending | null;
  next: Pending | null;
  queued: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Batch {
  readonly items: Pending[];
  readonly firstSeq: number;
  done: boolean;
  out: Float32Array | null;
  error: InferenceError | null;
}

type Listeners = { [K in keyof MicroBatcherEvents]: Set<(info: MicroBatcherEvents[K]) => void> };

export class MicroBatcher {
  readonly options: Readonly<MicroBatcherOptions>;
  /** The queue: a doubly linked list in submission order, so aborts unlink in O(1). */
  private head: Pending | null = null;
  private tail: Pending | null = null;
  private length = 0;
  private nextSeq = 0;
  /** Batch buffers not lent to the engine. */
  private readonly buffers: Float32Array[] = [];
  /** Batches not yet settled, in launch order. */
  private readonly running: Batch[] = [];
  private inFlightBatches = 0;
  private timer: TimerHandle;
  private timerAt = Number.POSITIVE_INFINITY;
  /** Windows up to this sequence number leave without waiting (drain). */
  private flushUntil = -1;
  private drainWaiters: { seq: number; resolve: () => void }[] = [];
  private closing: Promise<void> | null = null;
  private pumping = false;
  private repump = false;
  private readonly listeners: Listeners = { shed: new Set(), batch: new Set() };
  private readonly s: Omit<MicroBatcherStats, 'queued' | 'inFlight' | 'inFlightBatches'>;

  constructor(
    readonly engine: InferenceEngine,
    options: Partial<MicroBatcherOptions> = {},
  ) {
    this.options = resolveOptions(options);
    const windowSize = engine.inputSize;
    const positiveInt = (x: number) => Number.isInteger(x) && x > 0;
    if (!positiveInt(windowSize) || !positiveInt(engine.classes))
      throw new TypeError(
        `micro-batcher: engine has frames*dim = ${windowSize} and ${engine.classes} classes`,
      );
    this.buffers.push(new Float32Array(this.options.maxBatchSize * windowSize));
    if (this.options.onBatch) this.listeners.batch.add(this.options.onBatch);
    this.s = {
      queuedPeak: 0,
      submitted: 0,
      completed: 0,
      batches: 0,
      windows: 0,
      failedBatches: 0,
      failedWindows: 0,
      shedTotal: 0,
      shedByReason: { 'queue-full': 0, displaced: 0, deadline: 0 },
      aborted: 0,
      listenerErrors: 0,
      batchSizeHistogram: new Array<number>(this.options.maxBatchSize + 1).fill(0),
      lastBatchMs: 0,
      lastQueueDelayMs: 0,
    };
  }

  /** Queues one window; resolves with its `engine.classes` logits. Never throws: errors reject. */
  submit(req: WindowRequest): Promise<Float32Array> {
    if (this.closing) return Promise.reject(new BatcherClosedError());
    const size = this.engine.inputSize;
    if (req.data.length !== size)
      return Promise.reject(
        new RangeError(
          `micro-batcher: window of stream '${req.streamId}' has ${req.data.length} values, expected ${size}`,
        ),
      );
    if (req.signal?.aborted) {
      this.s.aborted++;
      return Promise.reject(req.signal.reason);
    }
    this.s.submitted++;
    const o = this.options;
    const now = o.clock.now();
    this.expire(now);
    if (this.length >= o.maxQueueSize && o.overflow === 'reject-new') {
      const error = new ShedError(req.streamId, 'queue-full', 0);
      this.countShed('queue-full');
      this.emit('shed', { streamId: req.streamId, reason: 'queue-full', waitedMs: 0, queued: this.length });
      this.pump(); // expire() may have moved the head
      return Promise.reject(error);
    }
    let node!: Pending;
    const promise = new Promise<Float32Array>((resolve, reject) => {
      node = {
        streamId: req.streamId,
        data: req.data,
        seq: this.nextSeq++,
        enqueuedAt: now,
        resolve,
        reject,
        prev: null,
        next: null,
        queued: false,
        signal: req.signal,
        onAbort: undefined,
      };
    });
    this.link(node);
    if (req.signal) {
      const signal = req.signal;
      node.onAbort = () => {
        if (!node.queued) return;
        this.unlink(node);
        this.s.aborted++;
        node.reject(signal.reason);
        this.pump();
      };
      signal.addEventListener('abort', node.onAbort, { once: true });
    }
    if (this.length > o.maxQueueSize && this.head) this.shed(this.head, 'displaced', now);
    if (this.length > this.s.queuedPeak) this.s.queuedPeak = this.length;
    this.pump();
    return promise;
  }

  /**
   * Sends every window queued now without waiting for its delay (full batches first, as slots free)
   * and resolves once all of them, and the batches already running, have settled. Windows submitted
   * afterwards are batched as usual and not waited for.
   */
  drain(): Promise<void> {
    const seq = this.nextSeq - 1;
    this.flushUntil = Math.max(this.flushUntil, seq);
    const done = new Promise<void>((resolve) => this.drainWaiters.push({ seq, resolve }));
    this.pump();
    return done;
  }

  /** Refuses further windows (`BatcherClosedError`) and drains the queued ones. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Subscribes to an event; returns the unsubscribe function. Listener errors are counted, not thrown. */
  on<K extends keyof MicroBatcherEvents>(
    event: K,
    listener: (info: MicroBatcherEvents[K]) => void,
  ): () => void {
    const set = this.listeners[event] as Set<(info: MicroBatcherEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A snapshot of the counters (fresh object; the histogram is copied). */
  stats(): MicroBatcherStats {
    let inFlight = 0;
    for (const b of this.running) inFlight += b.items.length;
    return {
      ...this.s,
      queued: this.length,
      inFlight,
      inFlightBatches: this.inFlightBatches,
      shedByReason: { ...this.s.shedByReason },
      batchSizeHistogram: this.s.batchSizeHistogram.slice(),
    };
  }

  /** Dispatches what is due, sheds what is stale and re-arms the timer. Safe to re-enter from listeners. */
  private pump(firedAt = Number.NEGATIVE_INFINITY): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        // A fired timer stands for its target time, even if a millisecond-granular timer ran a hair early.
        const now = Math.max(this.options.clock.now(), firedAt);
        this.expire(now);
        while (this.head && this.inFlightBatches < this.options.maxConcurrentBatches) {
          const reason = this.dueReason(this.head, now);
          if (!reason) break;
          this.launch(reason, now);
        }
        this.arm(now);
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
    this.checkDrained();
  }

  private dueReason(head: Pending, now: number): BatchReason | null {
    if (this.length >= this.options.maxBatchSize) return 'full';
    if (head.seq <= this.flushUntil) return 'drain';
    if (now >= head.enqueuedAt + this.options.maxQueueDelayMs) return 'delay';
    return null;
  }

  /** Deadlines are FIFO (same `maxWaitMs`, monotonic clock), so stale windows are always at the head. */
  private expire(now: number): void {
    const wait = this.options.maxWaitMs;
    while (this.head && now >= this.head.enqueuedAt + wait) this.shed(this.head, 'deadline', now);
  }

  private arm(now: number): void {
    let at = Number.POSITIVE_INFINITY;
    const head = this.head;
    if (head) {
      if (this.inFlightBatches < this.options.maxConcurrentBatches)
        at = head.enqueuedAt + this.options.maxQueueDelayMs;
      at = Math.min(at, head.enqueuedAt + this.options.maxWaitMs);
    }
    if (at === this.timerAt) return;
    const clock = this.options.clock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at < Number.POSITIVE_INFINITY) this.timer = clock.setTimeout(this.onTimer, Math.max(0, at - now));
  }

  private readonly onTimer = (): void => {
    const at = this.timerAt;
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.pump(at);
  };

  private launch(reason: BatchReason, now: number): void {
    const o = this.options;
    const first = this.head!;
    const windowSize = first.data.length;
    let buffer = this.buffers.pop();
    if (!buffer || buffer.length < o.maxBatchSize * windowSize)
      buffer = new Float32Array(o.maxBatchSize * windowSize);
    const items: Pending[] = [];
    // A batch holds windows of one size; a change of size (an engine with variable frames) starts a new one.
    for (let node: Pending | null = first; node && items.length < o.maxBatchSize; ) {
      if (node.data.length !== windowSize) break;
      buffer.set(node.data, items.length * windowSize);
      items.push(node);
      const next: Pending | null = node.next;
      this.unlink(node);
      node = next;
    }
    const n = items.length;
    const batch: Batch = { items, firstSeq: first.seq, done: false, out: null, error: null };
    this.running.push(batch);
    this.inFlightBatches++;
    this.s.batches++;
    this.s.windows += n;
    this.s.batchSizeHistogram[n]!++;
    const queueDelayMs = now - first.enqueuedAt;
    this.s.lastQueueDelayMs = queueDelayMs;
    const input = n * windowSize === buffer.length ? buffer : buffer.subarray(0, n * windowSize);
    const startedAt = o.clock.now();
    let call: Promise<Float32Array>;
    try {
      call = this.engine.infer(input, n);
    } catch (e) {
      call = Promise.reject(e);
    }
    const lent = buffer;
    const finish = (out: Float32Array | null, error: InferenceError | null) => {
      const inferMs = o.clock.now() - startedAt;
      this.inFlightBatches--;
      this.buffers.push(lent);
      batch.done = true;
      batch.out = out;
      batch.error = error;
      this.s.lastBatchMs = inferMs;
      const info: BatchInfo = { size: n, reason, queueDelayMs, inferMs };
      if (error) info.error = error;
      this.emit('batch', info);
      this.settleReady();
      this.pump();
    };
    call.then(
      (out) => {
        const want = n * this.engine.classes;
        if (out instanceof Float32Array && out.length === want) finish(out, null);
        else
          finish(
            null,
            new InferenceError(`engine returned ${out?.length} logits for ${n} windows, expected ${want}`, n),
          );
      },
      (e: unknown) =>
        finish(
          null,
          new InferenceError(`inference failed for a batch of ${n} windows: ${describe(e)}`, n, e),
        ),
    );
  }

  /** Settles finished batches in launch order, so one stream's results never overtake each other. */
  private settleReady(): void {
    const classes = this.engine.classes;
    while (this.running[0]?.done) {
      const b = this.running.shift()!;
      const n = b.items.length;
      if (b.out) {
        const out = b.out;
        this.s.completed += n;
        for (let i = 0; i < n; i++) {
          const from = i * classes;
          b.items[i]!.resolve(
            this.options.copyResults ? out.slice(from, from + classes) : out.subarray(from, from + classes),
          );
        }
      } else {
        this.s.failedBatches++;
        this.s.failedWindows += n;
        for (const item of b.items) item.reject(b.error);
      }
    }
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0) return;
    // Everything up to `seq` has settled when neither the queue nor an unsettled batch holds a lower number.
    const low = Math.min(
      this.head?.seq ?? Number.POSITIVE_INFINITY,
      this.running[0]?.firstSeq ?? Number.POSITIVE_INFINITY,
    );
    const waiting = this.drainWaiters.filter((w) => w.seq >= low);
    for (const w of this.drainWaiters) if (w.seq < low) w.resolve();
    this.drainWaiters = waiting;
  }

  private shed(node: Pending, reason: ShedReason, now: number): void {
    this.unlink(node);
    this.countShed(reason);
    const waitedMs = now - node.enqueuedAt;
    node.reject(new ShedError(node.streamId, reason, waitedMs));
    this.emit('shed', { streamId: node.streamId, reason, waitedMs, queued: this.length });
  }

  private countShed(reason: ShedReason): void {
    this.s.shedTotal++;
    this.s.shedByReason[reason]++;
  }

  private link(node: Pending): void {
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    node.queued = true;
    this.length++;
  }

  private unlink(node: Pending): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    node.queued = false;
    this.length--;
    if (node.onAbort) node.signal?.removeEventListener('abort', node.onAbort);
    node.onAbort = undefined;
  }

  private emit<K extends keyof MicroBatcherEvents>(event: K, info: MicroBatcherEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(info: MicroBatcherEvents[K]) => void>) {
      try {
        listener(info);
      } catch (e) {
        // A metrics hook must not break inference for every stream; make the fault visible instead.
        this.s.listenerErrors++;
        process.emitWarning(`micro-batcher: '${event}' listener threw: ${describe(e)}`);
      }
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function resolveOptions(partial: Partial<MicroBatcherOptions>): MicroBatcherOptions {
  const o: MicroBatcherOptions = { ...defaultMicroBatcherOptions };
  for (const [key, value] of Object.entries(partial))
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  const fail = (why: string): never => {
    throw new TypeError(`micro-batcher: ${why}`);
  };
  for (const key of ['maxBatchSize', 'maxConcurrentBatches'] as const)
    if (!Number.isInteger(o[key]) || o[key] < 1) fail(`${key} must be an integer >= 1, got ${o[key]}`);
  if (!Number.isInteger(o.maxQueueSize) || o.maxQueueSize < o.maxBatchSize)
    fail(`maxQueueSize (${o.maxQueueSize}) must be an integer >= maxBatchSize (${o.maxBatchSize})`);
  if (!Number.isFinite(o.maxQueueDelayMs) || o.maxQueueDelayMs < 0)
    fail(`maxQueueDelayMs must be finite and >= 0, got ${o.maxQueueDelayMs}`);
  if (!(o.maxWaitMs > o.maxQueueDelayMs))
    fail(
      `maxWaitMs (${o.maxWaitMs}) must exceed maxQueueDelayMs (${o.maxQueueDelayMs}), ` +
        'or a window alone in the queue would always be shed',
    );
  if (o.overflow !== 'reject-new' && o.overflow !== 'drop-oldest')
    fail(`overflow must be 'reject-new' or 'drop-oldest', got '${o.overflow}'`);
  const c = o.clock as Partial<Clock> | null;
  if (
    typeof c?.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  )
    fail('clock must have now(), setTimeout() and clearTimeout()');
  if (o.onBatch !== undefined && typeof o.onBatch !== 'function') fail('onBatch must be a function');
  return o;
}
