import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import { type ModelConfig, parseModelConfig } from '@emostream/shared/model/config';
import { describe, expect, it } from 'vitest';
import { modelInput, modelInputShape } from './model-package.ts';

const shipped = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../models/default/config.json', import.meta.url)), 'utf8'),
);

function configWith(inputTransform: ModelConfig['inputTransform']): ModelConfig {
  return parseModelConfig({ ...shipped, inputTransform });
}

/** A window of `frames` rows whose speech is rows [5, frames - 7), context around it. */
function windowOf(frames: number, dim: number): FeatureWindow {
  const data = Float32Array.from(
    { length: frames * dim },
    (_, i) => Math.sin(i * 0.37) * 2 + (i % dim) * 0.01,
  );
  return {
    index: 0,
    startFrame: 0,
    frames,
    startSample: 0,
    endSample: frames * 160,
    padStart: 2,
    padEnd: 3,
    speechStart: 5,
    speechEnd: frames - 7,
    data,
  } as FeatureWindow;
}

describe('modelInput', () => {
  const stats = configWith('stats');
  const frames = stats.window.windowFrames;
  const dim = stats.normalizer.priorMean.length;
  const w = windowOf(frames, dim);

  it('writes the window, its statistics, or the window followed by its statistics', () => {
    const [statsSize] = modelInputShape(stats) as [number];
    expect(modelInputShape(configWith('none'))).toEqual([frames, dim]);
    const hybrid = configWith('frames+stats');
    expect(modelInputShape(hybrid)).toEqual([frames * dim + statsSize]);

    const s = new Float32Array(statsSize + 4);
    modelInput(stats, w, s, 4);
    const h = new Float32Array(frames * dim + statsSize + 4);
    modelInput(hybrid, w, h, 4);
    expect(Array.from(h.subarray(4, 4 + frames * dim))).toEqual(Array.from(w.data));
    expect(Array.from(h.subarray(4 + frames * dim))).toEqual(Array.from(s.subarray(4)));
    expect(h.subarray(0, 4).every((v) => v === 0)).toBe(true);
    // The statistics are not the window's first values: both parts are really there.
    expect(Array.from(s.subarray(4, 14))).not.toEqual(Array.from(w.data.subarray(0, 10)));
  });
});
