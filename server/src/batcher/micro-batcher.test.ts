import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InferenceEngine } from '../engine/onnx-engine.ts';
import {
  BatcherClosedError,
  type BatchInfo,
  defaultMicroBatcherOptions,
  InferenceError,
  MicroBatcher,
  type MicroBatcherOptions,
  ShedError,
  type ShedInfo,
} from './micro-batcher.ts';

const FRAMES = 3;
const DIM = 2;
const SIZE = FRAMES * DIM;

/** Window `id`: value 0 is the id, the rest follow from it, so a result can be traced to its window. */
function windowOf(id: number): Float32Array {
  const w = new Float32Array(SIZE);
  w[0] = id;
  for (let j = 1; j < SIZE; j++) w[j] = id * 0.25 + j;
  return w;
}

function expectedLogits(id: number): number[] {
  const w = windowOf(id);
  return [Math.fround(w.reduce((a, b) => a + b, 0)), id];
}

interface Call {
  ids: number[];
  startedAt: number;
  endedAt: number;
  input: Float32Array;
  output: Float32Array | null;
}

/**
 * A scripted engine: each call takes `duration(n, callIndex)` ms of (fake) time and returns, per
 * window, [sum of its values, its first value]. It reads its input only when it finishes, so a batch
 * buffer reused while a call is in flight would corrupt results.
 */
class ScriptedEngine implements InferenceEngine {
  readonly frames = FRAMES;
  readonly dim = DIM;
  readonly inputSize = FRAMES * DIM;
  readonly classes = 2;
  readonly provider = 'scripted';
  readonly calls: Call[] = [];
  failWhen: (ids: number[]) => unknown = () => undefined;
  outputLength: ((n: number) => number) | null = null;

  constructor(private readonly duration: (n: number, call: number) => number = () => 0) {}

  async infer(input: Float32Array, n: number): Promise<Float32Array> {
    const call: Call = { ids: [], startedAt: performance.now(), endedAt: Number.NaN, input, output: null };
    for (let i = 0; i < n; i++) call.ids.push(input[i * SIZE]!);
    this.calls.push(call);
    const ms = this.duration(n, this.calls.length - 1);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    else await Promise.resolve();
    call.endedAt = performance.now();
    const failure = this.failWhen(call.ids);
    if (failure !== undefined) throw failure;
    const out = new Float32Array(this.outputLength?.(n) ?? n * 2);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < SIZE; j++) sum += input[i * SIZE + j]!;
      out[i * 2] = sum;
      out[i * 2 + 1] = input[i * SIZE]!;
    }
    call.output = out;
    return out;
  }

  async release(): Promise<void> {}
}

interface Tracked {
  id: number;
  status: 'pending' | 'fulfilled' | 'rejected';
  value?: Float32Array;
  error?: unknown;
  settledAt?: number;
}

/** Submits window `id` and records how and when its promise settled (handlers attached at once). */
function submit(b: MicroBatcher, id: number, streamId = 's', signal?: AbortSignal): Tracked {
  const t: Tracked = { id, status: 'pending' };
  b.submit({ streamId, data: windowOf(id), ...(signal ? { signal } : {}) }).then(
    (v) => Object.assign(t, { status: 'fulfilled', value: v, settledAt: performance.now() }),
    (e) => Object.assign(t, { status: 'rejected', error: e, settledAt: performance.now() }),
  );
  return t;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('MicroBatcher batching', () => {
  it('sends a full batch at once, without a timer', async () => {
    const engine = new ScriptedEngine();
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 1000 });
    const t = [1, 2, 3, 4].map((id) => submit(b, id));
    expect(engine.calls.map((c) => c.ids)).toEqual([[1, 2, 3, 4]]);
    expect(vi.getTimerCount()).toBe(0);
    await flush();
    for (const x of t) expect(Array.from(x.value!)).toEqual(expectedLogits(x.id));
    expect(performance.now()).toBe(0);
  });

  it('sends a partial batch exactly maxQueueDelayMs after its first window, counted from that window', async () => {
    const engine = new ScriptedEngine();
    const batches: BatchInfo[] = [];
    const b = new MicroBatcher(engine, {
      maxBatchSize: 8,
      maxQueueDelayMs: 10,
      onBatch: (i) => batches.push(i),
    });
    submit(b, 1);
    await vi.advanceTimersByTimeAsync(6);
    submit(b, 2); // must not push the deadline of the batch to t = 16
    await vi.advanceTimersByTimeAsync(3);
    expect(engine.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls.map((c) => [c.ids, c.startedAt])).toEqual([[[1, 2], 10]]);
    expect(batches).toEqual([{ size: 2, reason: 'delay', queueDelayMs: 10, inferMs: 0 }]);
    await vi.advanceTimersByTimeAsync(2);
    submit(b, 3); // the next batch counts from its own first window: t = 22
    await vi.advanceTimersByTimeAsync(9);
    expect(engine.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls[1]).toMatchObject({ ids: [3], startedAt: 22 });
  });

  it('queues while a batch runs, then sends a full or overdue batch at once and a fresh one on time', async () => {
    const engine = new ScriptedEngine(() => 50);
    const batches: BatchInfo[] = [];
    const b = new MicroBatcher(engine, { maxBatchSize: 2, maxQueueDelayMs: 10 });
    b.on('batch', (i) => batches.push(i));
    submit(b, 1);
    submit(b, 2); // full: leaves at 0
    await vi.advanceTimersByTimeAsync(1);
    submit(b, 3); // due at 11, but the engine is busy until 50
    await vi.advanceTimersByTimeAsync(94);
    submit(b, 4); // at 95, during the second call (50..100); due at 105
    submit(b, 5);
    submit(b, 6); // 4 and 5 make a full batch, 6 waits
    await vi.advanceTimersByTimeAsync(200);
    expect(engine.calls.map((c) => [c.ids, c.startedAt])).toEqual([
      [[1, 2], 0],
      [[3], 50],
      [[4, 5], 100],
      [[6], 150],
    ]);
    expect(batches.map((i) => [i.reason, i.queueDelayMs, i.inferMs])).toEqual([
      ['full', 0, 50],
      ['delay', 49, 50],
      ['full', 5, 50],
      ['delay', 55, 50],
    ]);
    submit(b, 7);
    await vi.advanceTimersByTimeAsync(9);
    expect(engine.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls[4]?.ids).toEqual([7]);
  });

  it('runs up to maxConcurrentBatches at once and still settles them in launch order', async () => {
    const engine = new ScriptedEngine((_n, call) => (call === 0 ? 30 : 10));
    const b = new MicroBatcher(engine, { maxBatchSize: 2, maxConcurrentBatches: 2, maxQueueDelayMs: 5 });
    const t = [1, 2, 3, 4, 5].map((id) => submit(b, id, id % 2 ? 'odd' : 'even'));
    expect(engine.calls.map((c) => c.ids)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(engine.calls[0]!.input.buffer).not.toBe(engine.calls[1]!.input.buffer);
    await vi.advanceTimersByTimeAsync(10); // the second call is done, the first is not
    expect(t.map((x) => x.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(engine.calls[2]).toMatchObject({ ids: [5], startedAt: 10 }); // its slot was freed
    expect(b.stats()).toMatchObject({ inFlight: 5, inFlightBatches: 2 });
    await vi.advanceTimersByTimeAsync(20);
    expect(t.map((x) => x.settledAt)).toEqual([30, 30, 30, 30, 30]);
    for (const x of t) expect(Array.from(x.value!)).toEqual(expectedLogits(x.id));
  });

  it('builds batches in one preallocated buffer and hands out views of the output', async () => {
    const engine = new ScriptedEngine();
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 1 });
    const t = [1, 2, 3, 4, 5].map((id) => submit(b, id));
    await vi.advanceTimersByTimeAsync(1);
    const [full, partial] = engine.calls;
    expect(full!.input.length).toBe(4 * SIZE);
    expect(partial!.input.length).toBe(SIZE);
    expect(partial!.input.buffer).toBe(full!.input.buffer);
    expect(t[1]!.value!.buffer).toBe(full!.output!.buffer);
    expect(t[1]!.value!.byteOffset).toBe(2 * 4);

    const copying = new MicroBatcher(engine, { maxBatchSize: 2, copyResults: true });
    const c = [6, 7].map((id) => submit(copying, id));
    await flush();
    expect(c[1]!.value!.buffer).not.toBe(engine.calls.at(-1)!.output!.buffer);
    expect(Array.from(c[1]!.value!)).toEqual(expectedLogits(7));
  });

  it('counts batches, windows and sizes', async () => {
    const engine = new ScriptedEngine(() => 5);
    const b = new MicroBatcher(engine, { maxBatchSize: 3, maxQueueDelayMs: 2 });
    for (let id = 0; id < 7; id++) submit(b, id);
    await vi.advanceTimersByTimeAsync(100);
    const s = b.stats();
    expect(s).toMatchObject({ queued: 0, queuedPeak: 4, inFlight: 0, submitted: 7, completed: 7 });
    expect(s).toMatchObject({ batches: 3, windows: 7, shedTotal: 0, lastBatchMs: 5 });
    expect(s.batchSizeHistogram).toEqual([0, 1, 0, 2]);
  });
});

describe('MicroBatcher overload', () => {
  /** One batch of 2 in flight for 100 ms, then the queue (size 3) is filled with 3..5. */
  async function saturated(overflow: MicroBatcherOptions['overflow']) {
    const engine = new ScriptedEngine(() => 100);
    const b = new MicroBatcher(engine, { maxBatchSize: 2, maxQueueSize: 3, maxQueueDelayMs: 10, overflow });
    const shed: ShedInfo[] = [];
    b.on('shed', (i) => shed.push(i));
    const t = [1, 2].map((id) => submit(b, id, `s${id}`));
    await vi.advanceTimersByTimeAsync(1);
    t.push(...[3, 4, 5].map((id) => submit(b, id, `s${id}`)));
    await vi.advanceTimersByTimeAsync(1);
    t.push(submit(b, 6, 's6'));
    await flush();
    return { engine, b, shed, t };
  }

  it("'reject-new' sheds the arriving window with a ShedError, a count and an event", async () => {
    const { engine, b, shed, t } = await saturated('reject-new');
    expect(t[5]!.status).toBe('rejected');
    const e = t[5]!.error as ShedError;
    expect(e).toBeInstanceOf(ShedError);
    expect(e).toMatchObject({ code: 'OVERLOADED', streamId: 's6', reason: 'queue-full', waitedMs: 0 });
    expect(shed).toEqual([{ streamId: 's6', reason: 'queue-full', waitedMs: 0, queued: 3 }]);
    expect(b.stats()).toMatchObject({
      shedTotal: 1,
      shedByReason: { 'queue-full': 1, displaced: 0, deadline: 0 },
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(engine.calls.flatMap((c) => c.ids)).toEqual([1, 2, 3, 4, 5]);
    for (const x of t.slice(0, 5)) expect(x.value![1]).toBe(x.id);
  });

  it("'drop-oldest' sheds the longest-queued window and keeps the new one", async () => {
    const { engine, b, shed, t } = await saturated('drop-oldest');
    expect(t[2]!.error).toBeInstanceOf(ShedError);
    expect(t[2]!.error).toMatchObject({ streamId: 's3', reason: 'displaced', waitedMs: 1 });
    expect(shed).toEqual([{ streamId: 's3', reason: 'displaced', waitedMs: 1, queued: 3 }]);
    expect(b.stats()).toMatchObject({ shedTotal: 1, shedByReason: { displaced: 1 }, queuedPeak: 3 });
    await vi.advanceTimersByTimeAsync(300);
    expect(engine.calls.flatMap((c) => c.ids)).toEqual([1, 2, 4, 5, 6]);
    for (const x of [t[0], t[1], t[3], t[4], t[5]]) expect(x!.value![1]).toBe(x!.id);
  });

  it('sheds a window still queued maxWaitMs after it was enqueued, exactly then, instead of running it late', async () => {
    const engine = new ScriptedEngine(() => 100);
    const b = new MicroBatcher(engine, { maxBatchSize: 1, maxQueueDelayMs: 5, maxWaitMs: 30 });
    const shed: ShedInfo[] = [];
    b.on('shed', (i) => shed.push(i));
    const t = [submit(b, 1, 'a')];
    await vi.advanceTimersByTimeAsync(10);
    t.push(submit(b, 2, 'b')); // deadline 40
    await vi.advanceTimersByTimeAsync(29);
    expect(t[1]!.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(t[1]).toMatchObject({ status: 'rejected', settledAt: 40 });
    expect(t[1]!.error).toMatchObject({
      code: 'OVERLOADED',
      streamId: 'b',
      reason: 'deadline',
      waitedMs: 30,
    });
    expect(shed).toEqual([{ streamId: 'b', reason: 'deadline', waitedMs: 30, queued: 0 }]);
    await vi.advanceTimersByTimeAsync(40);
    t.push(submit(b, 3, 'b')); // at 80: runs at 100, before its deadline
    await vi.advanceTimersByTimeAsync(300);
    expect(engine.calls.flatMap((c) => c.ids)).toEqual([1, 3]);
    expect(t[2]!.value![1]).toBe(3);
    expect(b.stats().shedByReason.deadline).toBe(1);
  });
});

describe('MicroBatcher failures and lifecycle', () => {
  it('fails only the batch whose engine call failed, with an InferenceError', async () => {
    const engine = new ScriptedEngine(() => 5);
    const boom = new Error('session exploded');
    engine.failWhen = (ids) => (ids.includes(3) ? boom : undefined);
    const b = new MicroBatcher(engine, { maxBatchSize: 2, maxQueueDelayMs: 1 });
    const t = [1, 2, 3, 4, 5].map((id) => submit(b, id));
    await vi.advanceTimersByTimeAsync(100);
    for (const x of [t[2]!, t[3]!]) {
      expect(x.error).toBeInstanceOf(InferenceError);
      expect(x.error).toMatchObject({ code: 'INFERENCE_FAILED', batchSize: 2, cause: boom });
    }
    for (const x of [t[0]!, t[1]!, t[4]!]) expect(Array.from(x.value!)).toEqual(expectedLogits(x.id));
    expect(b.stats()).toMatchObject({ batches: 3, failedBatches: 1, failedWindows: 2, completed: 3 });
  });

  it('turns a synchronous throw or a wrong output size into an InferenceError too', async () => {
    const engine = new ScriptedEngine();
    engine.outputLength = (n) => n * 2 - 1;
    const b = new MicroBatcher(engine, { maxBatchSize: 2 });
    const bad = [1, 2].map((id) => submit(b, id));
    await flush();
    expect(bad[0]!.error).toMatchObject({
      name: 'InferenceError',
      message: expect.stringMatching(/3 logits/),
    });
    const throwing: InferenceEngine = Object.assign(Object.create(engine) as ScriptedEngine, {
      infer: () => {
        throw new TypeError('not a tensor');
      },
    });
    const c = new MicroBatcher(throwing, { maxBatchSize: 1 });
    const x = submit(c, 1);
    await flush();
    expect(x.error).toBeInstanceOf(InferenceError);
    expect((x.error as InferenceError).cause).toBeInstanceOf(TypeError);
  });

  it('rejects a window of the wrong size on its own', async () => {
    const b = new MicroBatcher(new ScriptedEngine());
    await expect(b.submit({ streamId: 'x', data: new Float32Array(SIZE + 1) })).rejects.toThrow(RangeError);
    expect(b.stats().submitted).toBe(0);
  });

  it('drain() sends what is queued at once and resolves when it has all settled', async () => {
    const engine = new ScriptedEngine(() => 20);
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 1000 });
    const t = [1, 2, 3, 4, 5, 6].map((id) => submit(b, id));
    let drained = false;
    const d = b.drain().then(() => {
      drained = true;
    });
    // Submitted after drain(): they may fill the flushed batch, but drain() does not wait for the rest.
    const later = [7, 8, 9].map((id) => submit(b, id));
    await vi.advanceTimersByTimeAsync(39);
    expect(engine.calls.map((c) => [c.ids, c.startedAt])).toEqual([
      [[1, 2, 3, 4], 0],
      [[5, 6, 7, 8], 20],
    ]);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await d;
    expect(t.every((x) => x.status === 'fulfilled')).toBe(true);
    expect(later.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    const again = b.drain();
    await vi.advanceTimersByTimeAsync(20);
    await again;
    expect(later[2]!.value![1]).toBe(9);
    await b.drain(); // nothing queued: resolves at once
  });

  it('close() refuses new windows with a clear error and finishes the queued ones', async () => {
    const engine = new ScriptedEngine(() => 5);
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 1000 });
    const t = [1, 2].map((id) => submit(b, id));
    const closed = b.close();
    expect(b.close()).toBe(closed);
    expect(b.closed).toBe(true);
    await expect(b.submit({ streamId: 's', data: windowOf(3) })).rejects.toThrow(BatcherClosedError);
    await vi.advanceTimersByTimeAsync(5);
    await closed;
    expect(t.map((x) => x.value![1])).toEqual([1, 2]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes an aborted window from the queue without counting it as shed', async () => {
    const engine = new ScriptedEngine();
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 10 });
    const ac = new AbortController();
    const t = [submit(b, 1, 'a', ac.signal), submit(b, 2, 'b'), submit(b, 3, 'a', ac.signal)];
    await vi.advanceTimersByTimeAsync(3);
    ac.abort(new Error('client left'));
    expect(t[0]).toMatchObject({ status: 'pending' });
    await flush();
    expect(t[0]!.error).toMatchObject({ message: 'client left' });
    expect(t[2]!.status).toBe('rejected');
    await vi.advanceTimersByTimeAsync(6);
    expect(engine.calls).toHaveLength(0); // the delay now counts from window 2, enqueued at 0
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.calls.map((c) => c.ids)).toEqual([[2]]);
    expect(b.stats()).toMatchObject({ aborted: 2, shedTotal: 0 });
    const gone = submit(b, 4, 'a', ac.signal);
    await flush();
    expect(gone.status).toBe('rejected');
  });

  it('counts a throwing listener instead of breaking the batcher', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const b = new MicroBatcher(new ScriptedEngine(), {
      maxBatchSize: 1,
      onBatch: () => {
        throw new Error('metrics down');
      },
    });
    const t = [submit(b, 1), submit(b, 2)];
    await flush();
    expect(t.map((x) => x.value![1])).toEqual([1, 2]);
    expect(b.stats().listenerErrors).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/metrics down/));
  });

  it('stays within its bounds when a shed listener submits again', async () => {
    const engine = new ScriptedEngine(() => 50);
    const b = new MicroBatcher(engine, { maxBatchSize: 1, maxQueueSize: 2, overflow: 'drop-oldest' });
    const retried: Tracked[] = [];
    let retries = 0;
    b.on('shed', (i) => {
      if (retries < 3) retried.push(submit(b, 100 + retries++, i.streamId));
    });
    const t = [1, 2, 3, 4].map((id) => submit(b, id)); // 4 displaces 2, whose retry displaces 3, ...
    expect(b.stats().queued).toBe(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(b.stats()).toMatchObject({ queuedPeak: 2, shedTotal: 4 });
    expect([...t, ...retried].filter((x) => x.status === 'fulfilled').map((x) => x.id)).toEqual([
      1, 102, 101,
    ]);
  });

  it('runs on an injected clock', async () => {
    let now = 1_000_000;
    const timers: { fn: () => void; at: number }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => timers.push({ fn, at: now + ms }),
      clearTimeout: () => {},
    };
    const engine = new ScriptedEngine();
    const b = new MicroBatcher(engine, { maxBatchSize: 4, maxQueueDelayMs: 7, clock });
    const t = submit(b, 1);
    expect(timers.map((x) => x.at)).toEqual([1_000_007]);
    now += 3; // a timer may fire a little early on a millisecond-granular clock: it still counts as due
    timers[0]!.fn();
    expect(engine.calls.map((c) => c.ids)).toEqual([[1]]);
    await flush();
    expect(t.value![1]).toBe(1);
  });

  it('validates its options', () => {
    const engine = new ScriptedEngine();
    expect(new MicroBatcher(engine).options).toEqual(defaultMicroBatcherOptions);
    expect(new MicroBatcher(engine, { maxBatchSize: undefined }).options.maxBatchSize).toBe(32);
    const bad: Partial<MicroBatcherOptions>[] = [
      { maxBatchSize: 0 },
      { maxBatchSize: 2.5 },
      { maxBatchSize: 64, maxQueueSize: 32 },
      { maxQueueDelayMs: -1 },
      { maxQueueDelayMs: Number.POSITIVE_INFINITY },
      { maxWaitMs: 10 },
      { maxWaitMs: 5 },
      { maxWaitMs: Number.NaN },
      { maxConcurrentBatches: 0 },
      { overflow: 'drop-newest' as 'reject-new' },
      { clock: { now: () => 0 } as unknown as MicroBatcherOptions['clock'] },
    ];
    for (const options of bad)
      expect(() => new MicroBatcher(engine, options), JSON.stringify(options)).toThrow(TypeError);
    expect(() => new MicroBatcher(engine, { maxWaitMs: 11 })).not.toThrow();
  });
});

/** Time within [from, to] during which all `slots` engine slots were busy. */
function saturatedMs(calls: Call[], slots: number, from: number, to: number): number {
  const points = [from, to, ...calls.flatMap((c) => [c.startedAt, c.endedAt])]
    .filter((p) => p >= from && p <= to)
    .sort((a, b) => a - b);
  let busy = 0;
  for (let i = 1; i < points.length; i++) {
    const mid = (points[i - 1]! + points[i]!) / 2;
    if (calls.filter((c) => c.startedAt <= mid && mid < c.endedAt).length >= slots)
      busy += points[i]! - points[i - 1]!;
  }
  return busy;
}

const scenario = fc.record({
  maxBatchSize: fc.integer({ min: 1, max: 6 }),
  maxQueueDelayMs: fc.integer({ min: 0, max: 20 }),
  maxConcurrentBatches: fc.integer({ min: 1, max: 3 }),
  durations: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 }),
  submits: fc.array(
    fc.record({ gapMs: fc.integer({ min: 0, max: 12 }), stream: fc.integer({ min: 0, max: 3 }) }),
    {
      minLength: 1,
      maxLength: 50,
    },
  ),
});

async function play(
  b: MicroBatcher,
  submits: { gapMs: number; stream: number }[],
): Promise<{ tracked: Tracked[]; enqueuedAt: number[]; streams: string[] }> {
  const tracked: Tracked[] = [];
  const enqueuedAt: number[] = [];
  const streams: string[] = [];
  for (const [id, s] of submits.entries()) {
    if (s.gapMs > 0) await vi.advanceTimersByTimeAsync(s.gapMs);
    enqueuedAt.push(performance.now());
    streams.push(`s${s.stream}`);
    tracked.push(submit(b, id, `s${s.stream}`));
  }
  const drained = b.drain();
  await vi.runAllTimersAsync();
  await drained;
  return { tracked, enqueuedAt, streams };
}

/** Ids of resolved windows, in the order their promises settled, per stream. */
function settledOrderByStream(tracked: Tracked[], streams: string[]): Map<string, number[]> {
  const byStream = new Map<string, number[]>();
  const done = tracked.filter((t) => t.status === 'fulfilled').sort((a, b) => a.settledAt! - b.settledAt!);
  for (const t of done) byStream.set(streams[t.id]!, [...(byStream.get(streams[t.id]!) ?? []), t.id]);
  return byStream;
}

describe('MicroBatcher properties', () => {
  it('returns every window its own result, FIFO, in order per stream, within maxQueueDelayMs + busy time', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const engine = new ScriptedEngine((_n, i) => sc.durations[i % sc.durations.length]!);
        const b = new MicroBatcher(engine, { ...sc, maxQueueSize: 1000 });
        const { tracked, enqueuedAt, streams } = await play(b, sc.submits);
        for (const t of tracked) {
          expect(t.status).toBe('fulfilled');
          expect(Array.from(t.value!)).toEqual(expectedLogits(t.id));
        }
        // Settlement order: promises resolved within one microtask run keep their call order.
        for (const ids of settledOrderByStream(tracked, streams).values())
          expect(ids).toEqual([...ids].sort((x, y) => x - y));
        const sent = engine.calls.flatMap((c) => c.ids);
        expect(sent).toEqual(tracked.map((t) => t.id));
        for (const call of engine.calls) {
          expect(call.ids.length).toBeLessThanOrEqual(sc.maxBatchSize);
          for (const id of call.ids) {
            const waited = call.startedAt - enqueuedAt[id]!;
            const busy = saturatedMs(engine.calls, sc.maxConcurrentBatches, enqueuedAt[id]!, call.startedAt);
            expect(waited).toBeLessThanOrEqual(sc.maxQueueDelayMs + busy);
          }
        }
        const s = b.stats();
        expect(s).toMatchObject({
          queued: 0,
          inFlight: 0,
          batches: engine.calls.length,
          windows: tracked.length,
        });
        expect(s.batchSizeHistogram.reduce((a, n, size) => a + n * size, 0)).toBe(tracked.length);
      }),
      { numRuns: 150 },
    );
  });

  it('under overload, settles every window with its own result or a counted ShedError', async () => {
    const overload = fc.record({
      base: scenario,
      extraQueue: fc.integer({ min: 0, max: 4 }),
      overflow: fc.constantFrom('reject-new' as const, 'drop-oldest' as const),
      extraWaitMs: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(overload, async ({ base, extraQueue, overflow, extraWaitMs }) => {
        const engine = new ScriptedEngine((_n, i) => 5 + nth(base.durations, i));
        const maxWaitMs =
          extraWaitMs === undefined ? Number.POSITIVE_INFINITY : base.maxQueueDelayMs + extraWaitMs;
        const b = new MicroBatcher(engine, {
          ...base,
          maxQueueSize: base.maxBatchSize + extraQueue,
          overflow,
          maxWaitMs,
        });
        const events: string[] = [];
        b.on('shed', (i) => events.push(`${i.streamId}:${i.reason}`));
        const { tracked, enqueuedAt, streams } = await play(b, base.submits);
        const shed: string[] = [];
        const startedAt = new Map(engine.calls.flatMap((c) => c.ids.map((id) => [id, c.startedAt] as const)));
        for (const t of tracked) {
          if (t.status === 'fulfilled') {
            expect(Array.from(t.value!)).toEqual(expectedLogits(t.id));
            expect(startedAt.get(t.id)! - enqueuedAt[t.id]!).toBeLessThan(maxWaitMs);
          } else {
            const e = t.error as ShedError;
            expect(e).toBeInstanceOf(ShedError);
            expect(e.streamId).toBe(streams[t.id]);
            expect(e.reason).not.toBe(overflow === 'reject-new' ? 'displaced' : 'queue-full');
            if (e.reason === 'deadline') expect(e.waitedMs).toBe(maxWaitMs);
            expect(startedAt.has(t.id)).toBe(false);
            shed.push(`${e.streamId}:${e.reason}`);
          }
        }
        expect(events.sort()).toEqual(shed.sort());
        const s = b.stats();
        expect(s.shedTotal).toBe(shed.length);
        expect(s.queuedPeak).toBeLessThanOrEqual(base.maxBatchSize + extraQueue);
        for (const ids of settledOrderByStream(tracked, streams).values())
          expect(ids).toEqual([...ids].sort((x, y) => x - y));
        const sent = engine.calls.flatMap((c) => c.ids);
        expect(sent).toEqual([...sent].sort((x, y) => x - y));
      }),
      { numRuns: 150 },
    );
  });
});

function nth(durations: number[], i: number): number {
  return durations[i % durations.length]!;
}
