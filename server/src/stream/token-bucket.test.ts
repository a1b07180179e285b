import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('starts full, refuses beyond capacity without taking, and refills at its rate', () => {
    const b = new TokenBucket(30, 8); // 30 s burst, 8x real time
    expect(b.take(30, 0)).toBe(true);
    expect(b.take(0.02, 0)).toBe(false);
    expect(b.take(8, 1000)).toBe(true); // one second later: 8 more
    expect(b.take(0.5, 1000)).toBe(false);
    expect(b.take(100, 60_000)).toBe(false); // never above capacity
    expect(b.take(30, 60_000)).toBe(true);
  });

  it('sustains exactly its rate: real-time audio in 20 ms messages never runs dry', () => {
    const b = new TokenBucket(1, 1);
    for (let t = 0; t < 600_000; t += 20) expect(b.take(0.02, t)).toBe(true);
  });
});
