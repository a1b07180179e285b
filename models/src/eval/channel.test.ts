import { describe, expect, it } from 'vitest';
import { applyChannel, channelName, parseChannel } from './channel.ts';

const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 440 * i) / 16000));
const peakOf = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('evaluation channels', () => {
  it('parses every form and rejects malformed names with the list of forms', () => {
    expect(parseChannel('peak')).toEqual({ kind: 'peak' });
    expect(parseChannel('gain:-6')).toEqual({ kind: 'gain', db: -6 });
    expect(parseChannel('randgain:10')).toEqual({ kind: 'randgain', db: 10 });
    expect(parseChannel('noise:5')).toEqual({ kind: 'noise', snrDb: 5 });
    for (const bad of ['loud', 'gain', 'gain:x', 'noise:1:2', 'peak:3', 'randgain:-1'])
      expect(() => parseChannel(bad), bad).toThrow(TypeError);
    expect(channelName(parseChannel('noise:5'))).toBe('noise:5');
  });

  it('normalises the peak to -1 dBFS, applies gains, and is repeatable per clip', async () => {
    expect(peakOf(await applyChannel(tone, { kind: 'peak' }, 'a'))).toBeCloseTo(10 ** (-1 / 20), 5);
    expect(peakOf(await applyChannel(tone, { kind: 'gain', db: 6 }, 'a'))).toBeCloseTo(
      0.1 * 10 ** (6 / 20),
      4,
    );
    const r = { kind: 'randgain', db: 10 } as const;
    const a1 = await applyChannel(tone, r, 'clip-a');
    expect(await applyChannel(tone, r, 'clip-a')).toEqual(a1);
    const ratios = await Promise.all(
      ['b', 'c', 'd', 'e'].map(async (k) => peakOf(await applyChannel(tone, r, k)) / 0.1),
    );
    for (const g of ratios) expect(Math.abs(20 * Math.log10(g))).toBeLessThanOrEqual(10 + 1e-6);
    expect(new Set(ratios.map((g) => g.toFixed(6))).size).toBeGreaterThan(1);
  });

  it('adds noise at the asked SNR and band-limits the phone line', async () => {
    const noisy = await applyChannel(tone, { kind: 'noise', snrDb: 0 }, 'a');
    const diff = noisy.map((v, i) => v - tone[i]!);
    const power = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
    expect(10 * Math.log10(power(tone) / power(diff))).toBeCloseTo(0, 0);
    const phone = await applyChannel(tone, { kind: 'phone' }, 'a');
    expect(phone.length).toBe(tone.length);
    expect(phone).not.toEqual(tone);
  });
});
