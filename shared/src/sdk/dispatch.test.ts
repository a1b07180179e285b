import { describe, expect, it, vi } from 'vitest';
import { EventQueue, TypedEmitter } from './dispatch.ts';
import { EmotionStreamError } from './errors.ts';

interface Events {
  n: number;
  s: string;
}

describe('TypedEmitter', () => {
  it('calls handlers in registration order until removed', () => {
    const e = new TypedEmitter<Events>();
    const seen: string[] = [];
    const offA = e.on('n', (v) => seen.push(`a${v}`));
    e.on('n', (v) => seen.push(`b${v}`));
    e.on('s', (v) => seen.push(v));
    e.emit('n', 1);
    offA();
    offA();
    e.emit('n', 2);
    e.emit('s', 'x');
    expect(seen).toEqual(['a1', 'b1', 'b2', 'x']);
    expect(e.listenerCount('n')).toBe(1);
  });

  it('once fires a single time, and the same function may be registered twice', () => {
    const e = new TypedEmitter<Events>();
    const fn = vi.fn();
    e.once('n', fn);
    const off = e.on('n', fn);
    e.on('n', fn);
    e.emit('n', 1);
    off();
    e.emit('n', 2);
    expect(fn.mock.calls).toEqual([[1], [1], [1], [2]]);
  });

  it('keeps dispatching when a handler throws and reports the exception', () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    try {
      const e = new TypedEmitter<Events>();
      const after = vi.fn();
      e.on('n', () => {
        throw new Error('handler bug');
      });
      e.on('n', after);
      e.emit('n', 1);
      expect(after).toHaveBeenCalledWith(1);
      expect(reported).toEqual([new Error('handler bug')]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('EventQueue', () => {
  it('yields pushed items in order, to waiting and later readers, then ends', async () => {
    const q = new EventQueue<number>(10);
    const first = q.next();
    q.push(1);
    q.push(2);
    q.push(3);
    q.end();
    q.push(4);
    expect(await first).toEqual({ value: 1, done: false });
    const rest: number[] = [];
    for await (const v of q) rest.push(v);
    expect(rest).toEqual([2, 3]);
  });

  it('throws QUEUE_OVERFLOW after the items it holds when the consumer falls behind', async () => {
    const q = new EventQueue<number>(2);
    q.push(1);
    q.push(2);
    q.push(3);
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of q) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([1, 2]);
    expect(error).toBeInstanceOf(EmotionStreamError);
    expect((error as EmotionStreamError).code).toBe('QUEUE_OVERFLOW');
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('stops on break and tells its owner', async () => {
    const onReturn = vi.fn();
    const q = new EventQueue<number>(5, onReturn);
    q.push(1);
    q.push(2);
    for await (const _ of q) break;
    expect(onReturn).toHaveBeenCalledOnce();
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a waiting reader', async () => {
    const q = new EventQueue<number>(1);
    const pending = q.next();
    q.end();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(() => new EventQueue(0)).toThrow(TypeError);
  });
});
