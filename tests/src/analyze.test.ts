/**
 * `npm run analyze` on real recordings with the shipped model: per-file summaries and per-window
 * timelines in JSON and CSV; a corrupt file is reported without stopping the others.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasData, ravdessPath } from '@emostream/shared/testing/corpus';
import { describe, expect, it } from 'vitest';
import { root, run, tsx } from './cli-harness.ts';

describe.runIf(hasData)('analyze command', () => {
  it('writes summaries and timelines, and reports a corrupt file without stopping', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'emostream-analyze-'));
    const corrupt = join(tmp, 'broken.wav');
    writeFileSync(corrupt, Buffer.from('RIFF....WAVEfmt garbage'));
    const files = [ravdessPath(21, '03-01-05-02-01-01-21'), ravdessPath(22, '03-01-04-01-02-01-22'), corrupt];
    const err = await run(
      tsx,
      [
        'server/src/cli/analyze.ts',
        ...files,
        '--json',
        join(tmp, 'out.json'),
        '--csv',
        join(tmp, 'out.csv'),
        '--quiet',
      ],
      { cwd: root, env: { ...process.env, INIT_CWD: root } },
    ).catch((e: { code: number; stdout: string }) => e);
    expect((err as { code?: number }).code).toBe(1); // one file failed
    const out = JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8'));
    expect(out.classes).toHaveLength(7);
    expect(out.files).toHaveLength(3);
    const [a, b, c] = out.files;
    for (const f of [a, b]) {
      expect(f.error).toBeUndefined();
      expect(f.windows.length).toBeGreaterThanOrEqual(1);
      expect(f.summary.type).toBe('summary');
      expect(out.classes).toContain(f.summary.dominant);
      expect(f.summary.speechMs).toBeGreaterThan(500);
      const sum = Object.values(f.summary.meanScores as Record<string, number>).reduce((x, y) => x + y, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    expect(c.error).toMatch(/not a recognised audio file|decode|WAV/i);
    const csv = readFileSync(join(tmp, 'out.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(`file,seq,kind,startMs,endMs,label,confidence,uncertain,${out.classes.join(',')}`);
    expect(csv.length - 1).toBe(a.windows.length + b.windows.length);
  }, 120_000);
});
