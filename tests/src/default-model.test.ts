/**
 * The shipped model packages (the default hybrid, and the level-robust and statistics-only alternatives): each config is valid,
 * its ONNX graph runs in ONNX Runtime, it agrees with its tfjs weights on 100+ real speech windows,
 * and its model card states the numbers its evaluation reports hold.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamAnalyzer } from '@emostream/server/core/stream-analyzer';
import { loadModelPackage, modelInput } from '@emostream/server/engine/model-package';
import { TfjsEngine } from '@emostream/server/engine/tfjs-engine';
import { SileroVad } from '@emostream/server/vad/silero';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import { decodeAudioFile } from '@emostream/shared/audio/decode';
import { calibratedProbs } from '@emostream/shared/model/postprocess';
import { hasData, ravdessActorFiles } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';

describe.each(['default', 'level-robust', 'stats'])('models/%s', (name) => {
  const dir = fileURLToPath(new URL(`../../models/${name}`, import.meta.url));

  it('is a complete package under 20 MB with a valid config', async () => {
    let total = 0;
    for (const f of ['config.json', 'model.onnx', 'MODEL_CARD.md']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
      total += statSync(join(dir, f)).size;
    }
    const walk = (d: string): number =>
      readdirSync(d, { withFileTypes: true }).reduce(
        (a, e) => a + (e.isDirectory() ? walk(join(d, e.name)) : statSync(join(d, e.name)).size),
        0,
      );
    expect(total).toBeGreaterThan(0);
    expect(walk(dir)).toBeLessThan(20 * 1024 * 1024);
    const pkg = await loadModelPackage(dir);
    expect(pkg.config.labelSet).toBe('ekman7');
    expect(pkg.config.classes).toEqual([
      'neutral',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgust',
      'surprised',
    ]);
    expect(pkg.config.uncertainThreshold).toBe(0.55);
    const card = readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toMatch(/non-commercial/);
    // The card's test figures are the ones in the evaluation reports it points to.
    const test = (pkg.config.metrics as { test?: Record<string, Record<string, unknown>> } | undefined)?.test;
    for (const corpus of ['ravdess', 'emodb']) {
      const m = JSON.parse(readFileSync(join(dir, 'report', corpus, 'metrics.json'), 'utf8'));
      expect(card).toContain(`| ${corpus} | ${m.session.n} | ${m.session.ua.toFixed(3)} |`);
      // Calibration per channel: clean from the report, the channels from the config's record.
      const ece = test?.[corpus]?.eceByChannel as Record<string, number> | undefined;
      expect(Object.keys(ece ?? {})).toEqual(['peak', 'randgain:10', 'phone', 'noise:20', 'noise:10']);
      expect(card).toMatch(
        new RegExp(
          `\\| ${corpus} \\| ${m.session.ece.toFixed(3)} \\([+-]\\d\\.\\d{3}\\) \\| ${Object.values(ece!)
            .map((e) => `${e.toFixed(3)} \\([+-]\\d\\.\\d{3}\\)`)
            .join(' \\| ')} \\|`,
        ),
      );
    }
    expect(card).toMatch(
      /at 10 dB SNR its confidence - accuracy is ravdess [+-]\d\.\d{3}, emodb [+-]\d\.\d{3}/,
    );
    // The default's full training run was timed as one job (models/recipes/train-default.sh); its card says how long.
    const fullRun = (pkg.config.training as { fullRun?: { minutes?: number } } | undefined)?.fullRun;
    if (name === 'default') expect(fullRun?.minutes).toBeGreaterThan(0);
    if (fullRun?.minutes !== undefined)
      expect(card).toContain(`took ${fullRun.minutes.toFixed(0)} minutes of wall time`);
    await pkg.engine.release();
  });

  it.runIf(hasData)(
    'ONNX Runtime matches the tfjs weights on 100+ real windows (probability within 1e-4)',
    async () => {
      const pkg = await loadModelPackage(dir);
      // A single model ships its tfjs weights; an ensemble ships its members' (ONNX = their
      // combination). The tfjs engine (`npm start -- --engine tfjs`) lays the input out and
      // combines the members from the package's config alone, as the server runs it.
      expect(existsSync(join(dir, 'members')) || existsSync(join(dir, 'tfjs-model.json'))).toBe(true);
      const tfjs = await TfjsEngine.load(dir, 'cpu');
      const size = pkg.engine.inputSize;
      expect(tfjs.inputSize).toBe(size);
      const framesSize = pkg.config.window.windowFrames * pkg.config.normalizer.priorMean.length;
      const vad = await SileroVad.load();
      const windows: FeatureWindow[] = [];
      for (const f of [...ravdessActorFiles(21).slice(0, 50), ...ravdessActorFiles(22).slice(0, 50)]) {
        const state = vad.newState();
        const a = new StreamAnalyzer(pkg.analyzer, async (x) => (await vad.run([x], [state]))[0]!);
        const { samples } = await decodeAudioFile(f);
        for (const r of [await a.push(samples), await a.end()]) for (const w of r.windows) windows.push(w);
      }
      expect(windows.length).toBeGreaterThanOrEqual(100);
      const input = new Float32Array(windows.length * size);
      windows.forEach((w, i) => {
        modelInput(pkg.config, w, input, i * size);
      });
      const k = pkg.config.classes.length;
      let maxDiff = 0;
      for (let i = 0; i < windows.length; i += 32) {
        const n = Math.min(32, windows.length - i);
        const part = input.subarray(i * size, (i + n) * size);
        const a = await pkg.engine.infer(part, n);
        const b = await tfjs.infer(part, n);
        for (let j = 0; j < n; j++) {
          const pa = calibratedProbs(a.subarray(j * k, (j + 1) * k), pkg.config.temperature);
          const pb = calibratedProbs(b.subarray(j * k, (j + 1) * k), pkg.config.temperature);
          for (let c = 0; c < k; c++) maxDiff = Math.max(maxDiff, Math.abs(pa[c]! - pb[c]!));
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-4);

      // The package summarises the speech rows only, as it was trained: whatever fills a window's
      // context rows (here: the pause around an acted utterance) does not reach its statistics
      // (a hybrid's frame members do read the whole window).
      expect(pkg.config.statsSpeechOnly).toBe(true);
      const statsFrom = pkg.config.inputTransform === 'frames+stats' ? framesSize : 0;
      const withContext = windows.filter(
        (w) => w.speechStart > w.padStart || w.speechEnd < w.frames - w.padEnd,
      );
      expect(withContext.length).toBeGreaterThan(50);
      const dim = pkg.config.normalizer.priorMean.length;
      for (const w of withContext.slice(0, 20)) {
        const a = new Float32Array(size);
        modelInput(pkg.config, w, a, 0);
        const data = Float32Array.from(w.data, (v, i) => {
          const row = Math.floor(i / dim);
          return row >= w.speechStart && row < w.speechEnd ? v : 5;
        });
        const b = new Float32Array(size);
        modelInput(pkg.config, { ...w, data }, b, 0);
        expect(Array.from(b.subarray(statsFrom))).toEqual(Array.from(a.subarray(statsFrom)));
      }
      await vad.release();
      await pkg.engine.release();
      await tfjs.release();
    },
    180_000,
  );
});
