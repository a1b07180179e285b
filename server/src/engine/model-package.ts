/**
 * Loads a model package folder (`config.json` + ONNX file) into an inference engine and the
 * analysis configuration it implies.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type StatsOptions,
  statsSpan,
  windowStats,
  windowStatsSize,
} from '@emostream/shared/analysis/window-stats';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import { type ModelConfig, parseModelConfig } from '@emostream/shared/model/config';
import type { AnalyzerConfig } from '../core/stream-analyzer.ts';
import { type EngineOptions, OnnxEngine } from './onnx-engine.ts';

export interface ModelPackage {
  dir: string;
  config: ModelConfig;
  engine: OnnxEngine;
  analyzer: AnalyzerConfig;
}

/** The analysis configuration (features, VAD, windows, normaliser prior) a model was trained with. */
export function analyzerConfigOf(config: ModelConfig): AnalyzerConfig {
  return {
    features: config.features as AnalyzerConfig['features'],
    vad: config.vad,
    window: config.window,
    normalizer: config.normalizer,
  };
}

/** What the `stats` input transform computes for this model. */
export function statsOptionsOf(config: ModelConfig): StatsOptions {
  return {
    gate: config.statsGate,
    voicing: config.statsVoicing,
    contour: config.statsContour,
    speechOnly: config.statsSpeechOnly,
  };
}

/** The network input of one window: the window itself or its statistics (`config.inputTransform`). */
export function modelInput(config: ModelConfig, w: FeatureWindow, out: Float32Array, offset: number): void {
  if (config.inputTransform === 'stats') {
    const dim = config.normalizer.priorMean.length;
    const stats = statsOptionsOf(config);
    const { skipStart, skipEnd } = statsSpan(w, stats);
    windowStats(w.data, w.frames, dim, skipStart, skipEnd, out, offset, stats);
  } else {
    out.set(w.data, offset);
  }
}

/** Reads and validates `dir/config.json`, then opens the ONNX model with ONNX Runtime. */
export async function loadModelPackage(
  dir: string,
  engine: Partial<EngineOptions> = {},
): Promise<ModelPackage> {
  const abs = resolve(dir);
  const configPath = join(abs, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read model config ${configPath}: ${(e as Error).message}`);
  }
  const config = parseModelConfig(raw, configPath);
  const eng = await OnnxEngine.load(join(abs, config.onnx.file), {
    ...engine,
    inputName: config.onnx.input,
    outputName: config.onnx.output,
    frames: config.window.windowFrames,
    dim: config.normalizer.priorMean.length,
    classes: config.classes.length,
    inputShape:
      config.inputTransform === 'stats'
        ? [windowStatsSize(config.normalizer.priorMean.length, statsOptionsOf(config))]
        : [config.window.windowFrames, config.normalizer.priorMean.length],
  });
  return { dir: abs, config, engine: eng, analyzer: analyzerConfigOf(config) };
}
