import { beforeAll, describe, expect, it } from 'vitest';
import type { CachedClip, WindowCache } from '../data/window-cache.ts';
import { initTrainingBackend } from './backend.ts';
import { train } from './trainer.ts';

/** A tiny cache: 3 classes told apart by the level of the first dimension, 2 speakers, 1 window per clip. */
function syntheticCache(seedShift: number): WindowCache {
  const dim = 3;
  const W = 20;
  const clips: CachedClip[] = [];
  const data: number[] = [];
  const labels = ['neutral', 'happy', 'sad'];
  for (let i = 0; i < 24; i++) {
    const label = i % 3;
    const speaker = String(i % 2);
    for (let t = 0; t < W; t++) data.push(label * 2 + Math.sin(t + i + seedShift), Math.cos(t * i), t % 2);
    clips.push({
      path: `clip${i}`,
      corpus: 'synthetic',
      speaker,
      label: labels[label]!,
      variant: 'clean',
      durationS: 0.2,
      firstWindow: i,
      windows: 1,
      statsFrames: W,
      statsSum: [W * label * 2, 0, W / 2],
      statsSumSq: [W * (label * 2) ** 2 + W / 2, W / 2, W / 2],
    });
  }
  return {
    key: 'synthetic',
    dim,
    windowFrames: W,
    clips,
    data: Float32Array.from(data),
    padStart: new Int16Array(24),
    padEnd: new Int16Array(24),
    speechStart: new Int16Array(24),
    speechEnd: new Int16Array(24).fill(W),
  };
}

describe('train (stats-mlp)', () => {
  beforeAll(async () => {
    await initTrainingBackend('cpu');
  });

  it('anneals the learning rate on a cosine and trains with mixup', async () => {
    const cache = syntheticCache(0);
    const classes = ['neutral', 'happy', 'sad'];
    const result = await train(
      {
        classes,
        labelIndex: (l) => classes.indexOf(l),
        train: [cache],
        val: syntheticCache(1),
        session: { priorMean: [2, 0, 0.5], priorStd: [1.7, 0.7, 0.5], priorFrames: 20, padValue: -3 },
      },
      {
        architecture: 'stats-mlp',
        maxEpochs: 4,
        batchSize: 8,
        schedule: 'cosine',
        learningRate: 1e-2,
        minLearningRate: 1e-4,
        mixupAlpha: 0.4,
        earlyStopPatience: 100,
        specAugment: null,
        quiet: true,
      },
    );
    const lrs = result.history.map((h) => h.lr);
    expect(lrs).toHaveLength(4);
    expect(lrs[0]).toBeCloseTo(1e-2, 8);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
    expect(lrs[2]).toBeCloseTo(1e-4 + 0.5 * (1e-2 - 1e-4) * (1 + Math.cos(Math.PI / 2)), 8);
    expect(result.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    result.model.dispose();
  }, 60_000);

  it('with checkpoint last keeps the final epoch and never stops early', async () => {
    const classes = ['neutral', 'happy', 'sad'];
    const data = {
      classes,
      labelIndex: (l: string) => classes.indexOf(l),
      train: [syntheticCache(0)],
      val: syntheticCache(1),
      session: { priorMean: [2, 0, 0.5], priorStd: [1.7, 0.7, 0.5], priorFrames: 20, padValue: -3 },
    };
    // A learning rate of zero: the weights and so the validation UA never change, so `best` stops
    // after `earlyStopPatience` epochs without improvement and `last` runs them all.
    const options = {
      architecture: 'stats-mlp' as const,
      maxEpochs: 5,
      batchSize: 8,
      schedule: 'plateau' as const,
      learningRate: 0,
      minLearningRate: 0,
      earlyStopPatience: 1,
      specAugment: null,
      quiet: true,
    };
    const last = await train(data, { ...options, checkpoint: 'last' });
    expect(last.history).toHaveLength(5);
    expect(last.bestEpoch).toBe(5);
    const best = await train(data, { ...options, checkpoint: 'best' });
    expect(best.history).toHaveLength(2);
    expect(best.bestEpoch).toBe(1);
    last.model.dispose();
    best.model.dispose();
  }, 60_000);
});
