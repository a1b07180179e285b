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

/**
 * The network input of one window (`config.inputTransform`): the window itself, its statistics, or
 * the window followed by its statistics.
 */
export function modelInput(config: ModelConfig, w: FeatureWindow, out: Float32Array, offset: number): void {
  if (config.inputTransform !== 'stats') out.set(w.data, offset);
  if (config.inputTransform !== 'none') {
    const dim = config.normalizer.priorMean.length;
    const stats = statsOptionsOf(config);
    const { skipStart, skipEnd } = statsSpan(w, stats);
    const at = config.inputTransform === 'stats' ? offset : offset + w.frames * dim;
    windowStats(w.data, w.frames, dim, skipStart, skipEnd, out, at, stats);
  }
}

/** The shape of one window's network input, batch axis excluded. */
export function modelInputShape(config: ModelConfig): number[] {
  const dim = config.normalizer.priorMean.length;
  const frames = config.window.windowFrames;
  switch (config.inputTransform) {
    case 'stats':
      return [windowStatsSize(dim, statsOptionsOf(config))];
    case 'frames+stats':
      return [frames * dim + windowStatsSize(dim, statsOptionsOf(config))];
    case 'none':
      return [frames, dim];
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
    inputShape: modelInputShape(config),
  });
  return { dir: abs, config, engine: eng, analyzer: analyzerConfigOf(config) };
}
