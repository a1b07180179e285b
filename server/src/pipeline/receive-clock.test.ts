import { describe, expect, it } from 'vitest';
import { ReceiveClock } from './receive-clock.ts';

describe('ReceiveClock', () => {
  it('maps a sample to the arrival of the message that completed it', () => {
    const c = new ReceiveClock();
    c.add(320, 1000);
    c.add(640, 1020);
    c.add(960, 1040);
    expect(c.lookup(1)).toBe(1000);
    expect(c.lookup(320)).toBe(1000);
    expect(c.lookup(321)).toBe(1020);
    expect(c.lookup(960)).toBe(1040);
    expect(c.lookup(5000)).toBe(1040); // beyond: the latest known
  });

  it('stays bounded over a long stream', () => {
    const c = new ReceiveClock(100);
    for (let i = 1; i <= 100_000; i++) {
      c.add(i * 320, i);
      if (i % 50 === 0) expect(c.lookup(i * 320 - 5000)).toBeGreaterThan(0);
    }
    expect(c.lookup(100_000 * 320)).toBe(100_000);
    expect((c as unknown as { ends: number[] }).ends.length).toBeLessThan(2200);
  });
});
