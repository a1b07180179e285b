import { describe, expect, it } from 'vitest';
import { escapeXml, fixed, heatColour, niceTicks, num, seriesColour, textWidth } from './svg.ts';

describe('escapeXml', () => {
  it('escapes markup and quote characters', () => {
    expect(escapeXml(`a<b & "c" > 'd'`)).toBe('a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;');
  });
});

describe('niceTicks', () => {
  it('puts ticks on 1-2-5 steps and widens the domain to them', () => {
    const t = niceTicks(0.3, 2.35);
    expect(t.step).toBe(0.5);
    expect(t.values).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect([t.min, t.max]).toEqual([0, 2.5]);
  });

  it('keeps an exact domain and prints ticks without float noise', () => {
    const t = niceTicks(0, 1, { exact: true });
    expect(t.values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(t.values.map((v) => fixed(v, t.decimals))).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  });

  it('gives integer ticks for epochs', () => {
    const t = niceTicks(1, 3, { integer: true, exact: true, target: 10 });
    expect(t.values).toEqual([1, 2, 3]);
  });

  it('widens degenerate and non-finite ranges to a usable domain', () => {
    expect(niceTicks(5, 5).values.length).toBeGreaterThan(1);
    expect(niceTicks(0, 0).values).toContain(0);
    const single = niceTicks(1, 1, { integer: true });
    expect(single.values).toEqual([0, 1, 2]);
    const nan = niceTicks(Number.NaN, Number.POSITIVE_INFINITY);
    expect([nan.min, nan.max]).toEqual([0, 1]);
  });

  it('handles reversed and negative ranges', () => {
    const t = niceTicks(3, -7);
    expect(t.min).toBeLessThanOrEqual(-7);
    expect(t.max).toBeGreaterThanOrEqual(3);
    expect(t.values).toContain(0);
  });
});

describe('formatting and colours', () => {
  it('prints coordinates compactly and never as -0', () => {
    expect(num(-0.001)).toBe('0');
    expect(num(12.3456)).toBe('12.35');
    expect(fixed(-0.0001, 2)).toBe('0.00');
  });

  it('maps the heat ramp ends and clamps out-of-range input', () => {
    expect(heatColour(0)).toBe('#f7fbff');
    expect(heatColour(1)).toBe('#08306b');
    expect(heatColour(2)).toBe('#08306b');
    expect(heatColour(Number.NaN)).toBe('#f7fbff');
  });

  it('cycles series colours, negative indices included', () => {
    expect(seriesColour(0)).toBe(seriesColour(7));
    expect(seriesColour(-1)).toMatch(/^#[0-9A-F]{6}$/);
  });

  it('estimates wider text for longer strings', () => {
    expect(textWidth('surprised', 12)).toBeGreaterThan(textWidth('sad', 12));
    expect(textWidth('', 12)).toBe(0);
  });
});
