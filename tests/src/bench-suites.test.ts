/**
 * `npm run bench -- <suite> --json` runs each quick suite to the end through the real runner and
 * prints one JSON object naming it. Benchmarks never fail on a figure; this catches a suite that no
 * longer runs at all (the onnx suite fed the statistics model a window, the ratios suite could not
 * load the hybrid default in tfjs: both went unnoticed until they were run by hand).
 */
import { describe, expect, it } from 'vitest';
import { root, run, tsx } from './cli-harness.ts';

describe('bench suites', () => {
  it.each([
    'features',
    'resample',
    'polyphase',
    'onnx',
    'batcher',
    'vad',
  ])('%s runs and prints its JSON', async (suite) => {
    const { stdout } = await run(tsx, ['scripts/bench.ts', suite, '--json', '--seconds', '0.05'], {
      cwd: root,
      env: { ...process.env, INIT_CWD: root },
      maxBuffer: 1 << 24,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.suite).toBe(suite);
    if (suite === 'onnx') {
      // Every architecture built, exported and ran at both batch sizes.
      for (const [arch, times] of Object.entries(result.msPerWindow)) {
        expect(typeof times, arch).toBe('object');
        expect((times as Record<string, number>).batch32).toBeGreaterThan(0);
      }
    }
  }, 180_000);
});
