import { describe, expect, it } from 'vitest';
import { formatK6Duration, parseDurationS } from './duration.ts';
import { atPeak, audioOffsetFrames, SCENARIOS, scenarioPlan, targetAt } from './scenarios.ts';

describe('scenario plans', () => {
  it('constant holds the stream count from the first second to the end', () => {
    const p = scenarioPlan('constant', 8, 30);
    expect([0, 1, 15, 29.9].map((t) => targetAt(p, t))).toEqual([8, 8, 8, 8]);
    expect(targetAt(p, 30)).toBe(0);
    expect(atPeak(p, 0)).toBe(true);
  });

  it('ramp goes up over 40%, holds 40%, comes down over 20%', () => {
    const p = scenarioPlan('ramp', 10, 100);
    expect([0, 20, 40, 60, 80, 90, 99.9].map((t) => targetAt(p, t))).toEqual([0, 5, 10, 10, 10, 5, 0]);
    expect(atPeak(p, 50)).toBe(true);
    expect(atPeak(p, 20)).toBe(false);
  });

  it('spike jumps from a tenth to the peak and back', () => {
    const p = scenarioPlan('spike', 40, 100);
    expect(targetAt(p, 20)).toBe(4);
    expect(targetAt(p, 50)).toBe(40);
    expect(targetAt(p, 90)).toBe(4);
    expect(Math.max(...Array.from({ length: 100 }, (_, t) => targetAt(p, t)))).toBe(40);
  });

  it('soak ramps for at most a minute, then holds', () => {
    const p = scenarioPlan('soak', 20);
    expect(p.durationS).toBe(1800);
    expect(targetAt(p, 60)).toBe(20);
    expect(targetAt(p, 1799)).toBe(20);
  });

  it('every scenario spends exactly its duration in stages', () => {
    for (const name of SCENARIOS) {
      const p = scenarioPlan(name, 5, 120);
      expect(p.stages.reduce((s, st) => s + st.durationS, 0)).toBeCloseTo(120, 9);
    }
  });

  it('rejects unknown names and bad counts', () => {
    expect(() => scenarioPlan('storm', 5)).toThrow(/unknown scenario 'storm'/);
    expect(() => scenarioPlan('ramp', 0)).toThrow(RangeError);
    expect(() => scenarioPlan('ramp', 5, 0)).toThrow(RangeError);
  });

  it('spreads audio offsets over the file, deterministically', () => {
    const offsets = Array.from({ length: 50 }, (_, u) => audioOffsetFrames(u, 0, 6000));
    expect(new Set(offsets).size).toBe(50);
    expect(offsets.every((o) => o >= 0 && o < 6000)).toBe(true);
    expect(audioOffsetFrames(7, 3, 6000)).toBe(audioOffsetFrames(7, 3, 6000));
  });
});

describe('durations', () => {
  it('parses what people type', () => {
    expect(parseDurationS('500ms')).toBe(0.5);
    expect(parseDurationS('90s')).toBe(90);
    expect(parseDurationS('5m')).toBe(300);
    expect(parseDurationS('1h30m')).toBe(5400);
    expect(parseDurationS('12')).toBe(12);
    expect(parseDurationS(7)).toBe(7);
  });

  it('rejects the rest', () => {
    for (const bad of ['', 'abc', '5x', '-3s', '5m garbage'])
      expect(() => parseDurationS(bad)).toThrow(RangeError);
  });

  it('formats for k6', () => {
    expect(formatK6Duration(90)).toBe('90s');
    expect(formatK6Duration(4.5)).toBe('4500ms');
  });
});
