/**
 * `npm run analyze` on real recordings with the shipped model: per-file summaries and per-window
 * timelines in JSON and CSV; a corrupt file is reported without stopping the others.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { encodeWav } from '@emostream/shared/audio/wav';
import { hasData, loadClip, ravdessPath } from '@emostream/shared/testing/corpus';
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
    expect(csv[0]).toBe(
      `file,seq,kind,startMs,endMs,label,confidence,uncertain,snrDb,${out.classes.join(',')}`,
    );
    expect(csv.length - 1).toBe(a.windows.length + b.windows.length);
    // Each window's SNR estimate, in the JSON and the CSV (studio recordings: well above 20 dB).
    const snrColumn = csv[0]!.split(',').indexOf('snrDb');
    csv.slice(1).forEach((line, i) => {
      const w = [...a.windows, ...b.windows][i] as { snrDb: number };
      expect(w.snrDb).toBeGreaterThan(20);
      // The file name is quoted and has no comma, so the columns split cleanly.
      expect(Number(line.split(',')[snrColumn])).toBeCloseTo(w.snrDb, 1);
    });

    // --early-ms: the same timeline plus one early window per segment that lasts that long, and the
    // same summary (early windows are provisional); a value a stream could not ask for is refused.
    const early = join(tmp, 'early.json');
    await run(
      tsx,
      ['server/src/cli/analyze.ts', files[0]!, '--early-ms', '1500', '--json', early, '--quiet'],
      {
        cwd: root,
        env: { ...process.env, INIT_CWD: root },
      },
    );
    const [e] = JSON.parse(readFileSync(early, 'utf8')).files;
    const kinds = e.windows.map((w: { kind: string }) => w.kind);
    expect(kinds.filter((k: string) => k === 'early')).toHaveLength(1);
    expect(kinds[0]).toBe('early');
    const strip = (w: { index: number }) => ({ ...w, index: 0 });
    expect(e.windows.filter((w: { kind: string }) => w.kind !== 'early').map(strip)).toEqual(
      a.windows.map(strip),
    );
    const { emittedAt: _x, ...withEarly } = e.summary;
    const { emittedAt: _y, ...without } = a.summary;
    expect(withEarly).toEqual(without);
    await expect(
      run(tsx, ['server/src/cli/analyze.ts', files[0]!, '--early-ms', '1234', '--quiet'], { cwd: root }),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/--early-ms.*multiple of 10 from 300 to 2990/) });
  }, 120_000);

  it('analyses a call recorded at 16 kHz as telephone audio from where it finds the band', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'emostream-analyze-band-'));
    const x = await loadClip(ravdessPath(23, '03-01-05-02-01-01-23'));
    const call8k = await resampleOffline(x, 16000, 8000);
    const files = {
      studio: ravdessPath(23, '03-01-05-02-01-01-23'),
      call16k: join(tmp, 'call-16k.wav'),
      call8k: join(tmp, 'call-8k.wav'),
    };
    writeFileSync(
      files.call16k,
      encodeWav(await resampleOffline(call8k, 8000, 16000), 16000, { bitDepth: 16 }),
    );
    writeFileSync(files.call8k, encodeWav(call8k, 8000, { bitDepth: 16 }));
    const analyse = async (extra: string[]) => {
      const json = join(tmp, `out-${extra.join('')}.json`);
      await run(
        tsx,
        ['server/src/cli/analyze.ts', ...Object.values(files), '--json', json, '--quiet', ...extra],
        {
          cwd: root,
          env: { ...process.env, INIT_CWD: root },
        },
      );
      return JSON.parse(readFileSync(json, 'utf8')).files as Array<{
        bandwidth: string;
        narrowbandFromMs?: number;
        summary: { speechMs: number };
      }>;
    };
    const [studio, call16k, call8kOut] = await analyse([]);
    expect(studio).toMatchObject({ bandwidth: 'wideband' });
    expect(studio!.narrowbandFromMs).toBeUndefined();
    // Found from the audio, within the utterance (it starts about 1 s in, and lasts about 2.5 s).
    expect(call16k).toMatchObject({ bandwidth: 'narrowband' });
    expect(call16k!.narrowbandFromMs).toBeGreaterThan(1000);
    expect(call16k!.narrowbandFromMs).toBeLessThan(2500);
    // An 8 kHz file is narrowband from its rate; nothing to find.
    expect(call8kOut).toMatchObject({ bandwidth: 'narrowband' });
    expect(call8kOut!.narrowbandFromMs).toBeUndefined();
    // Told wideband, the 16 kHz call is not checked.
    const [, told] = await analyse(['--bandwidth', 'wideband']);
    expect(told).toMatchObject({ bandwidth: 'wideband' });
    expect(told!.narrowbandFromMs).toBeUndefined();
  }, 120_000);
});
