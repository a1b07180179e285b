/**
 * The ratios suite runs on the shipped model as it is (`npm run bench -- ratios`): every engine it
 * compares loads the default package and agrees on its input. Speed figures are the benchmark's
 * business; this checks that the suite still runs and reports what it says, briefly.
 */
import { hasData } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { runRatiosBench } from './ratios.bench.ts';

describe.runIf(hasData)('bench ratios', () => {
  it('measures the three ratios on models/default, tfjs included', async () => {
    const r = await runRatiosBench({ seconds: 0.2 });
    expect(r.model.inputSize).toBeGreaterThan(0);
    for (const k of ['batchedVsUnbatched', 'incrementalVsRecompute', 'ortVsTfjs'] as const)
      expect(r[k]).toBeGreaterThan(0);
    expect(r.engines.tfjsBackend).toBe('tfjs-wasm');
    expect(r.batching.meanBatchSize).toBeGreaterThan(1);
    expect(r.input.windows).toBeGreaterThan(10);
  }, 300_000);
});
