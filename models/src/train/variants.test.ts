import { describe, expect, it } from 'vitest';
import { Rng } from '../augment/rng.ts';
import { levelPolicy, trainingVariants } from './variants.ts';

const tone = Float32Array.from({ length: 8000 }, (_, i) => 0.05 * Math.sin(i / 5));
const peakDb = (x: Float32Array) => 20 * Math.log10(x.reduce((m, v) => Math.max(m, Math.abs(v)), 0));

describe('training variants', () => {
  it('level policy: a peak in [-6, -1] dBFS or a gain within +-10 dB, both kinds, repeatable', async () => {
    const kinds = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const y = await levelPolicy(tone, new Rng(s));
      const p = peakDb(y);
      const gain = p - peakDb(tone);
      const normalised = p >= -6 - 1e-6 && p <= -1 + 1e-6;
      expect(normalised || Math.abs(gain) <= 10 + 1e-6, `seed ${s}: peak ${p} dB`).toBe(true);
      kinds.add(normalised ? 'peak' : 'gain');
      expect(await levelPolicy(tone, new Rng(s))).toEqual(y);
    }
    expect(kinds).toEqual(new Set(['peak', 'gain']));
  });

  it('level-robust variants transform every clip, the clean one too, under their own ids', async () => {
    const plain = trainingVariants(1);
    expect(plain.map((v) => v.id)).toEqual(['clean', 'phone', 'aug1']);
    expect(plain[0]!.transform).toBeUndefined();
    const robust = trainingVariants(1, undefined, { levelRobust: true });
    expect(robust.map((v) => v.id)).toEqual(['clean-lvl', 'phone-lvl', 'aug1-lvl']);
    const clean = await robust[0]!.transform!(tone, 7);
    expect(clean).not.toEqual(tone);
    expect(clean).toEqual(await robust[0]!.transform!(tone, 7));
    const both = trainingVariants(1, undefined, { levelRobust: true, noiseRobust: true });
    expect(both.map((v) => v.id)).toEqual(['clean-nz-lvl', 'phone-nz-lvl', 'aug1-nz-lvl']);
    const copies = trainingVariants(1, undefined, { noisyCopies: true });
    expect(copies.map((v) => v.id)).toEqual(['clean', 'phone', 'aug1', 'clean-nz', 'phone-nz', 'aug1-nz']);
    expect(() => trainingVariants(1, undefined, { noiseRobust: true, noisyCopies: true })).toThrow(
      /pick one/,
    );
    const noisyOnly = trainingVariants(0, undefined, { noiseRobust: true })[0]!;
    // Most clips get background noise: over 20 seeds, at least 10 change.
    let changed = 0;
    for (let s = 0; s < 20; s++)
      if ((await noisyOnly.transform!(tone, s)).some((v, i) => v !== tone[i])) changed++;
    expect(changed).toBeGreaterThanOrEqual(10);
  });
});
