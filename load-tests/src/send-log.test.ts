import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.ts';
import { createSendLog, frameOfEndMs, recordSend, sentAtOfStreamMs } from './send-log.ts';

describe('send log', () => {
  it("maps a window's end to the frame holding its last sample", () => {
    const log = createSendLog(320, 16000);
    for (let k = 0; k < 200; k++) recordSend(log, 1000 + k * 20 + 0.5);
    // A window ending at 3000 ms ends with sample 47999, in frame 149 (samples 47680..47999).
    expect(frameOfEndMs(log, 3000)).toBe(149);
    expect(sentAtOfStreamMs(log, 3000)).toBe(1000 + 149 * 20 + 0.5);
    // Fractional stream times (1/16 ms) land in the frame of their last whole sample.
    expect(frameOfEndMs(log, 3000.0625)).toBe(150);
    expect(frameOfEndMs(log, 20)).toBe(0);
  });

  it('knows nothing about frames not sent yet or older than it keeps', () => {
    const log = createSendLog(320, 16000, 100);
    for (let k = 0; k < 250; k++) recordSend(log, k);
    expect(sentAtOfStreamMs(log, 250 * 20 + 20)).toBeUndefined();
    // Frames 150..249 are kept.
    expect(sentAtOfStreamMs(log, 249 * 20 + 20)).toBe(249);
    expect(sentAtOfStreamMs(log, 150 * 20 + 20)).toBe(150);
    expect(sentAtOfStreamMs(log, 149 * 20 + 20)).toBeUndefined();
    expect(sentAtOfStreamMs(log, 0)).toBeUndefined();
  });
});

describe('latency histogram', () => {
  it('gives percentiles within 0.5% of the exact ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 500 }),
        (xs) => {
          const h = new LatencyHistogram();
          for (const x of xs) h.add(x);
          const sorted = [...xs].sort((a, b) => a - b);
          for (const q of [0.5, 0.95, 0.99]) {
            const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
            expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.0051);
          }
          expect(h.count).toBe(xs.length);
          expect(h.max).toBe(sorted.at(-1));
        },
      ),
    );
  });

  it('merges, and summarises an empty histogram as nulls', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.add(10);
    b.add(30);
    a.merge(b);
    expect(a.summary()).toMatchObject({ count: 2, maxMs: 30, meanMs: 20 });
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      meanMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
    });
  });
});
