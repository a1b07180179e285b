import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from './config.ts';
import { calibratedProbs, snrTemperatureFactor, windowTemperature } from './postprocess.ts';

const s = { kneeDb: 20, slopePerDb: 0.05, maxFactor: 1.5 };

describe('snrTemperatureFactor', () => {
  it('is 1 at and above the knee, rises linearly below it, and stops at the cap', () => {
    expect(snrTemperatureFactor(20, s)).toBe(1);
    expect(snrTemperatureFactor(45, s)).toBe(1);
    expect(snrTemperatureFactor(16, s)).toBeCloseTo(1.2, 12);
    expect(snrTemperatureFactor(10, s)).toBeCloseTo(1.5, 12);
    expect(snrTemperatureFactor(-30, s)).toBe(1.5);
  });

  it('is 1 without an estimate or without the model option', () => {
    expect(snrTemperatureFactor(undefined, s)).toBe(1);
    expect(snrTemperatureFactor(Number.NaN, s)).toBe(1);
    expect(snrTemperatureFactor(5, undefined)).toBe(1);
  });

  it('never falls as the SNR falls, and stays within [1, maxFactor]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -40, max: 90, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (a, d) => {
          const hi = snrTemperatureFactor(a, s);
          const lo = snrTemperatureFactor(a - d, s);
          expect(lo).toBeGreaterThanOrEqual(hi);
          expect(hi).toBeGreaterThanOrEqual(1);
          expect(lo).toBeLessThanOrEqual(s.maxFactor);
        },
      ),
    );
  });
});

describe('windowTemperature', () => {
  const config = { temperature: 0.8, earlyTemperature: 1.1, snrTemperature: s };

  it("multiplies the window kind's temperature by the SNR factor", () => {
    expect(windowTemperature(config, 'hop', 30)).toBe(0.8);
    expect(windowTemperature(config, 'hop', 16)).toBeCloseTo(0.96, 12);
    expect(windowTemperature(config, 'early', 16)).toBeCloseTo(1.32, 12);
    expect(windowTemperature(config, 'early')).toBe(1.1);
    expect(windowTemperature({ temperature: 0.8 }, 'hop', 0)).toBe(0.8);
  });

  it('a higher temperature softens the scores: the top probability falls', () => {
    const logits = [2.1, -0.4, 0.3, 1.2];
    const plain = calibratedProbs(logits, windowTemperature(config, 'hop', 40));
    const noisy = calibratedProbs(logits, windowTemperature(config, 'hop', 12));
    expect(Math.max(...noisy)).toBeLessThan(Math.max(...plain) - 0.05);
    expect(noisy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('model config snrTemperature', () => {
  const shipped = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../../models/default/config.json', import.meta.url)), 'utf8'),
  );
  const errorsOf = (x: unknown) => {
    try {
      parseModelConfig(x);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('is optional, and when given needs a knee, a slope of at least 0 and a cap of at least 1', () => {
    expect(errorsOf(shipped)).toBe('');
    expect(parseModelConfig({ ...shipped, snrTemperature: s }).snrTemperature).toEqual(s);
    expect(errorsOf({ ...shipped, snrTemperature: { ...s, maxFactor: 0.9 } })).toMatch(
      /snrTemperature\.maxFactor/,
    );
    expect(errorsOf({ ...shipped, snrTemperature: { ...s, slopePerDb: -1 } })).toMatch(
      /snrTemperature\.slopePerDb/,
    );
    expect(errorsOf({ ...shipped, snrTemperature: { kneeDb: 20 } })).toMatch(/snrTemperature/);
  });
});
