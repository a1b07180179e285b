import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PacedChunk, pacingPlan, resolvePacingOptions, runPaced } from './pacing.ts';

describe('pacingPlan', () => {
  it('cuts 20 ms chunks due every 20 ms in real time', () => {
    const plan = [...pacingPlan(16000, 16000)];
    expect(plan).toHaveLength(50);
    expect(plan.slice(0, 3)).toEqual([
      { startFrame: 0, frames: 320, atMs: 0 },
      { startFrame: 320, frames: 320, atMs: 20 },
      { startFrame: 640, frames: 320, atMs: 40 },
    ]);
  });

  it('never drifts when a chunk is not a whole number of frames', () => {
    const plan = [...pacingPlan(11025, 11025, { chunkMs: 20 })];
    expect(new Set(plan.map((c) => c.frames))).toEqual(new Set([220, 221]));
    expect(plan.reduce((n, c) => n + c.frames, 0)).toBe(11025);
    expect(plan).toHaveLength(50);
    for (const [k, c] of plan.entries()) expect(Math.abs(c.atMs - k * 20)).toBeLessThan(0.05);
  });

  it('keeps a short last chunk, scales by speed, and sends at once at speed 0', () => {
    const plan = [...pacingPlan(1000, 8000, { chunkMs: 100, speed: 2 })];
    expect(plan.map((c) => [c.frames, c.atMs])).toEqual([
      [800, 0],
      [200, 50],
    ]);
    expect([...pacingPlan(1000, 8000, { speed: 0 })].every((c) => c.atMs === 0)).toBe(true);
    expect([...pacingPlan(0, 8000)]).toEqual([]);
  });

  it('rejects contradictory options', () => {
    expect(() => resolvePacingOptions({ chunkMs: 0 })).toThrow(TypeError);
    expect(() => resolvePacingOptions({ speed: -1 })).toThrow(TypeError);
    expect(() => resolvePacingOptions({ speed: Number.NaN })).toThrow(TypeError);
  });
});

describe('runPaced (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends each chunk when it is due', async () => {
    const sentAt: number[] = [];
    const t0 = performance.now();
    const done = runPaced(pacingPlan(1600, 16000), () => sentAt.push(performance.now() - t0));
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(sentAt).toEqual([0, 20, 40, 60, 80]);
  });

  it('catches up instead of drifting when a send is slow', async () => {
    const sentAt: number[] = [];
    const t0 = performance.now();
    const send = (c: PacedChunk) => {
      sentAt.push(performance.now() - t0);
      if (c.startFrame === 0) vi.advanceTimersByTime(50); // a 50 ms stall during the first send
    };
    const done = runPaced(pacingPlan(1600, 16000), send);
    await vi.advanceTimersByTimeAsync(200);
    await done;
    expect(sentAt).toEqual([0, 50, 50, 60, 80]);
  });

  it('waits while backpressure says so', async () => {
    let buffered = true;
    setTimeout(() => {
      buffered = false;
    }, 35);
    const sentAt: number[] = [];
    const t0 = performance.now();
    const done = runPaced(pacingPlan(320, 16000, { speed: 0 }), () => sentAt.push(performance.now() - t0), {
      shouldWait: () => buffered,
      backoffMs: 10,
    });
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(sentAt).toEqual([40]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const sent: number[] = [];
    const done = runPaced(pacingPlan(16000, 16000), (c) => sent.push(c.startFrame), {
      signal: controller.signal,
    });
    const outcome = expect(done).rejects.toThrow('enough');
    await vi.advanceTimersByTimeAsync(30);
    controller.abort(new Error('enough'));
    await outcome;
    expect(sent).toEqual([0, 320]);
  });
});
