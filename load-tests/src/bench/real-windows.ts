/**
 * Real model inputs for inference benchmarks: real speech through the server's analysis core
 * (Silero VAD, incremental features, windower, session normaliser) and the package's input
 * transform, so the engines see exactly what a live stream would give them.
 */
import { StreamAnalyzer } from '@emostream/server/core/stream-analyzer';
import { type ModelPackage, modelInput } from '@emostream/server/engine/model-package';
import { SileroVad } from '@emostream/server/vad/silero';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';

/** The windows a live stream would cut from `samples` (16 kHz mono), fed in 20 ms chunks. */
export async function analyzerWindows(samples: Float32Array, pkg: ModelPackage): Promise<FeatureWindow[]> {
  const vad = await SileroVad.load();
  const state = vad.newState();
  const analyzer = new StreamAnalyzer(pkg.analyzer, async (f) => (await vad.run([f], [state]))[0]!);
  const windows: FeatureWindow[] = [];
  for (let pos = 0; pos < samples.length; pos += 320)
    windows.push(
      ...(await analyzer.push(samples.subarray(pos, Math.min(samples.length, pos + 320)))).windows,
    );
  windows.push(...(await analyzer.end()).windows);
  await vad.release();
  return windows;
}

/** Each window's network input (`engine.inputSize` values), as the server submits it to the batcher. */
export function modelInputs(windows: readonly FeatureWindow[], pkg: ModelPackage): Float32Array[] {
  const size = pkg.engine.inputSize;
  return windows.map((w) => {
    const x = new Float32Array(size);
    modelInput(pkg.config, w, x, 0);
    return x;
  });
}
