import { snrTemperatureFactor } from '@emostream/shared/model/postprocess';
import { describe, expect, it } from 'vitest';
import { Rng } from '../augment/rng.ts';
import { softmax } from './metrics.ts';
import { fitSnrTemperature, type SnrClip, snrClipProbs } from './snr-temperature.ts';

const CLASSES = ['a', 'b', 'c', 'd', 'e'];

/**
 * Single-window clips whose labels are drawn from softmax(z / (T x factor(snr))): the calibrated
 * model for that data is exactly `truth`'s rule (none: one temperature fits).
 */
function synthetic(
  n: number,
  seed: number,
  truthRule?: { kneeDb: number; slopePerDb: number; maxFactor: number },
) {
  const rng = new Rng(seed);
  const clips: SnrClip[] = [];
  for (let i = 0; i < n; i++) {
    const favoured = rng.int(0, CLASSES.length - 1);
    const z = CLASSES.map((_, j) => 1.5 * rng.normal() + (j === favoured ? 3 : 0));
    const snr = rng.uniform(0, 50);
    const p = softmax(z, 0.8 * snrTemperatureFactor(snr, truthRule));
    let u = rng.next();
    let truth = 0;
    while (truth < p.length - 1 && u > p[truth]!) u -= p[truth++]!;
    clips.push({ windows: [z], snrDb: [snr], truth });
  }
  return clips;
}

describe('fitSnrTemperature', () => {
  it('recovers a knee and slope that generated the labels, and lowers NLL and ECE', () => {
    const rule = { kneeDb: 20, slopePerDb: 0.06, maxFactor: 2 };
    const clips = synthetic(4000, 1, rule);
    const fit = fitSnrTemperature(clips, 0.8, CLASSES);
    expect(fit.snrTemperature).toBeDefined();
    const got = fit.snrTemperature!;
    expect(Math.abs(got.kneeDb - rule.kneeDb)).toBeLessThanOrEqual(4);
    // Knee and slope trade off; the factor at 5 dB (deep in the noisy range) is what the data pins down.
    const at5 = snrTemperatureFactor(5, got);
    expect(Math.abs(at5 - snrTemperatureFactor(5, rule))).toBeLessThan(0.25);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore - 0.01);
    expect(fit.eceAfter).toBeLessThan(fit.eceBefore);
    expect(fit.windowsBelowKnee).toBeGreaterThan(0.2);
    expect(fit.windowsBelowKnee).toBeLessThan(0.6);
  });

  it('returns no rule when one temperature fits every SNR', () => {
    const fit = fitSnrTemperature(synthetic(4000, 2), 0.8, CLASSES);
    expect(fit.snrTemperature).toBeUndefined();
    expect(fit.nllAfter).toBe(fit.nllBefore);
    expect(fit.eceAfter).toBe(fit.eceBefore);
  });

  it("averages a clip's windows' probabilities, each at its own temperature", () => {
    const clip: SnrClip = {
      windows: [
        [2, 0, -1],
        [0, 1, 0],
      ],
      snrDb: [40, 10],
      truth: 0,
    };
    const s = { kneeDb: 20, slopePerDb: 0.05, maxFactor: 2 };
    const a = softmax([2, 0, -1], 0.8);
    const b = softmax([0, 1, 0], 0.8 * 1.5);
    const got = snrClipProbs(clip, 0.8, s);
    [0, 1, 2].forEach((j) => {
      expect(got[j]).toBeCloseTo((a[j]! + b[j]!) / 2, 12);
    });
  });
});
