/**
 * `npm run bench -- first-event [--clip <audio file>]... --json`: how soon the try-it page shows
 * the first emotion after speech begins, in headless Chromium whose fake microphone plays a real
 * recording (Debian's Chromium, `--use-file-for-fake-audio-capture`), against the real server on
 * the default model. The page reports the delay itself (`data-testid="first-result"`): the audio
 * sent when the first emotion event arrived minus the VAD's start of speech, both in stream time.
 *
 * The default clips are ones no test uses: EmoDB speaker 16 and RAVDESS actor 22 (both test
 * speakers, never trained on). Each clip is played with 1.5 s of silence before it and 3 s after.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { concatSamples } from '@emostream/shared/audio/frame';
import { DATA_DIR, loadClip } from '@emostream/shared/testing/corpus';
import { launchChromium, silence, startDashboardServer, writeWav } from './browser-harness.ts';

export const DEFAULT_FIRST_EVENT_CLIPS = [
  join(DATA_DIR, 'emodb', 'wav', '16a01Wb.flac'),
  join(DATA_DIR, 'emodb', 'wav', '16a01Tb.flac'),
  join(DATA_DIR, 'emodb', 'wav', '16a01Fc.flac'),
  join(DATA_DIR, 'ravdess', 'Actor_22', '03-01-03-02-01-01-22.flac'),
  join(DATA_DIR, 'ravdess', 'Actor_22', '03-01-05-02-02-01-22.flac'),
];

export interface FirstEventResult {
  clips: Array<{ clip: string; firstEmotionMs: number | null; label: string | null }>;
  medianMs: number | null;
  maxMs: number | null;
  /** Clips whose first emotion did not appear within 20 s. */
  missing: number;
}

/**
 * @param o.early - the page's early estimate (`options.earlyMs` 1500) on (its default) or off (the
 *   first emotion is then the first full 3 s window's).
 */
export async function runFirstEventBench(
  o: { clips?: string[]; early?: boolean } = {},
): Promise<FirstEventResult> {
  const clips = o.clips?.length ? o.clips : DEFAULT_FIRST_EVENT_CLIPS;
  const dir = mkdtempSync(join(tmpdir(), 'emostream-first-event-'));
  const srv = await startDashboardServer();
  const rows: FirstEventResult['clips'] = [];
  try {
    for (const [i, clip] of clips.entries()) {
      const speech = await loadClip(clip);
      const wav = writeWav(dir, `clip-${i}.wav`, concatSamples([silence(1500), speech, silence(3000)]));
      const browser = await launchChromium([
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
      ]);
      try {
        const page = await browser.newPage();
        await page.goto(`${srv.url}/try`);
        await page.getByRole('checkbox', { name: /Early estimate/ }).setChecked(o.early !== false);
        await page.getByRole('button', { name: 'Start microphone' }).click();
        const shown = await page
          .waitForSelector('[data-testid="first-result"]', { timeout: 20_000 })
          .catch(() => null);
        const ms = shown ? Number(await shown.getAttribute('data-ms')) : null;
        const label = shown ? await page.getByTestId('current-emotion').getAttribute('data-label') : null;
        rows.push({ clip: basename(clip), firstEmotionMs: ms, label });
        if (!process.argv.includes('--json'))
          process.stderr.write(`${basename(clip)}: ${ms === null ? 'no emotion within 20 s' : `${ms} ms`}\n`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await srv.close();
  }
  const times = rows.map((r) => r.firstEmotionMs).filter((v): v is number => v !== null);
  times.sort((a, b) => a - b);
  return {
    clips: rows,
    medianMs: times.length ? times[Math.floor((times.length - 1) / 2)]! : null,
    maxMs: times.length ? times[times.length - 1]! : null,
    missing: rows.length - times.length,
  };
}
