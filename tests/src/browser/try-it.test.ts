/**
 * The try-it page in Chromium with a fake microphone fed from real speech (a WAV written from the
 * corpus): the page captures, resamples to 16 kHz in its AudioWorklet, streams with the browser SDK,
 * shows its own emotion events live and the summary after Stop. An uploaded file is decoded, resampled
 * and replayed in real time. A server error (a stream id already in use) is shown with its code and
 * close code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '@emostream/server/app';
import { resampleOffline } from '@emostream/shared/audio/resample';
import { encodeWav } from '@emostream/shared/audio/wav';
import { hasData } from '@emostream/shared/testing/corpus';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifact,
  call,
  hasChromium,
  launchChromium,
  startDashboardServer,
  streamFromSdk,
  until,
  writeWav,
} from './browser-harness.ts';

const emotionsShown = (page: Page) => page.getByTestId('try-page').getAttribute('data-emotions').then(Number);

describe.runIf(hasData && hasChromium)('try it: microphone in the browser', () => {
  let srv: RunningServer;
  let browser: Browser;
  let classes: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    srv = await startDashboardServer();
    classes = srv.context.modelInfo.classes;
    // Three utterances of one actor with pauses; Chromium's fake capture loops the file.
    const speech = await call(8, ['03-01-05-02-01-01', '03-01-03-02-02-01', '03-01-06-02-01-02']);
    const wav = writeWav(mkdtempSync(join(tmpdir(), 'emostream-mic-')), 'mic.wav', speech, 16000);
    browser = await launchChromium([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
    ]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('streams the microphone and shows emotion events live, then the summary after Stop', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${srv.url}/try`);
    await page.getByRole('button', { name: 'Start microphone' }).click();
    await page.waitForSelector('[data-testid="try-page"][data-phase="microphone"]', { timeout: 15_000 });
    await expect(page.getByTestId('try-status').textContent()).resolves.toMatch(/Streaming .+ Hz → 16 kHz/);

    await until('two emotion events on the page', async () => (await emotionsShown(page)) >= 2, 20_000);
    const label = await page.getByTestId('current-emotion').getAttribute('data-label');
    expect(classes).toContain(label);
    // The page reports how long after the first speech the first emotion came (stream time); the
    // figure itself is a benchmark (`npm run bench -- first-event`), here it must only be sane.
    const firstMs = Number(await page.getByTestId('first-result').getAttribute('data-ms'));
    expect(firstMs).toBeGreaterThan(0);
    expect(firstMs).toBeLessThan(20_000);
    await expect(page.getByTestId('timeline').getAttribute('data-windows')).resolves.toBe(
      String(await emotionsShown(page)),
    );
    // The server sees the same stream: it is listed as active while the page streams.
    const listed = (await (await fetch(`${srv.url}/v1/streams`)).json()) as {
      streams: { metadata: Record<string, unknown> }[];
    };
    expect(listed.streams.map((s) => s.metadata.input)).toContain('microphone');
    await page.screenshot({ path: artifact('try-it-live.png'), fullPage: true });

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForSelector('[data-testid="summary"][data-final="true"]', { timeout: 20_000 });
    await expect(page.getByTestId('try-page').getAttribute('data-phase')).resolves.toBe('done');
    // The early estimates (on by default) are shown but, being provisional, not counted as windows.
    const early = Number(await page.getByTestId('try-page').getAttribute('data-early'));
    expect(early).toBeGreaterThanOrEqual(1);
    const windows = (await emotionsShown(page)) - early;
    await expect(page.getByTestId('window-count').textContent()).resolves.toMatch(new RegExp(`^${windows} `));
    await expect(page.getByTestId('summary').textContent()).resolves.toContain('ended: stop');
    await page.screenshot({ path: artifact('try-it-summary.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it('replays an uploaded file (stereo, 22.05 kHz) in real time and summarises it', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const mono = await call(8, ['03-01-04-02-02-01']);
    const at22k = await resampleOffline(mono, 16000, 22050);
    const stereo = new Float32Array(at22k.length * 2);
    for (let i = 0; i < at22k.length; i++) stereo[2 * i] = stereo[2 * i + 1] = at22k[i]!;
    const path = join(mkdtempSync(join(tmpdir(), 'emostream-file-')), 'sad.wav');
    writeFileSync(path, encodeWav(stereo, 22050, { bitDepth: 16, channels: 2 }));

    await page.goto(`${srv.url}/try`);
    await page.getByLabel('Audio file to replay').setInputFiles(path);
    await page.waitForSelector('[data-testid="try-page"][data-phase="file"]', { timeout: 15_000 });
    await expect(page.getByTestId('try-status').textContent()).resolves.toContain('sad.wav');
    const summary = page.locator('[data-testid="summary"][data-final="true"]');
    await summary.waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('try-page').getAttribute('data-phase')).resolves.toBe('done');
    // Decoding and resampling to 16 kHz kept the length: the server counted the clip's duration.
    const durationMs = Number(await summary.getAttribute('data-duration-ms'));
    expect(Math.abs(durationMs - (mono.length / 16000) * 1000)).toBeLessThan(50);
    expect(Number(await summary.getAttribute('data-windows'))).toBeGreaterThanOrEqual(1);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 30_000);

  it('says when an uploaded telephone recording is heard as telephone audio', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // An 8 kHz call recording: the page resamples it to 16 kHz, and the server finds from the audio
    // that nothing lies above 4 kHz and moves the stream's VAD to its telephone mode.
    const at8k = await resampleOffline(
      await call(8, ['03-01-05-02-01-01', '03-01-01-01-02-01']),
      16000,
      8000,
    );
    const path = join(mkdtempSync(join(tmpdir(), 'emostream-file-')), 'call-8k.wav');
    writeFileSync(path, encodeWav(at8k, 8000, { bitDepth: 16 }));
    await page.goto(`${srv.url}/try`);
    await page.getByLabel('Audio file to replay').setInputFiles(path);
    const band = page.getByTestId('try-band');
    await band.waitFor({ timeout: 15_000 });
    await expect(band.textContent()).resolves.toMatch(/telephone audio, detected at \d+\.\d s/);
    await page.locator('[data-testid="summary"][data-final="true"]').waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 45_000);

  it("shows the server's error code when the stream id is already in use", async () => {
    const other = await streamFromSdk(srv.url, await call(8, ['03-01-01-01-01-01']), {
      streamId: 'taken-id',
      speed: 0.5,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${srv.url}/try`);
    await page.getByLabel('Stream id').fill('taken-id');
    await page.getByRole('button', { name: 'Start microphone' }).click();
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 15_000 });
    await expect(error.getAttribute('data-code')).resolves.toBe('STREAM_ID_IN_USE');
    await expect(error.textContent()).resolves.toContain('close code 4009');
    await expect(page.getByTestId('try-page').getAttribute('data-phase')).resolves.toBe('failed');
    // The microphone is released and a new attempt is possible.
    await expect(page.getByRole('button', { name: 'Start microphone' }).isEnabled()).resolves.toBe(true);
    await page.close();
    await other.client.close();
  }, 30_000);
});
