/**
 * The dashboard in a real browser against the real server: a stream started from the Node SDK with
 * real speech appears on the overview (with its metadata, current emotion and speech state; found by
 * the search filter), and its stream view fills its timeline while it runs and shows the same final
 * summary the SDK received.
 */
import type { RunningServer } from '@emostream/server/app';
import { resampleOffline } from '@emostream/shared/audio/resample';
import type { EmotionEvent, SummaryEvent } from '@emostream/shared/protocol/messages';
import { hasData } from '@emostream/shared/testing/corpus';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNoise } from '../../../models/src/augment/noise.ts';
import { Rng } from '../../../models/src/augment/rng.ts';
import {
  artifact,
  call,
  hasChromium,
  launchChromium,
  startDashboardServer,
  streamFromSdk,
  until,
} from './browser-harness.ts';

const ID = 'browser-e2e-1';

describe.runIf(hasData && hasChromium)('dashboard: overview and stream view', () => {
  let srv: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    srv = await startDashboardServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('shows a live SDK stream on the overview, then its timeline and final summary in the stream view', async () => {
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('[data-connection="live"]');
    await expect(page.getByTestId('no-streams').textContent()).resolves.toContain('No streams yet');

    // Six utterances of one actor (angry, then calmer) with pauses: about 22 s of audio, 5.5 s at 4x.
    const samples = await call(12, [
      '03-01-05-02-01-01',
      '03-01-05-02-02-01',
      '03-01-05-01-01-02',
      '03-01-01-01-01-01',
      '03-01-04-02-01-01',
      '03-01-01-01-02-02',
    ]);
    const sdk = await streamFromSdk(srv.url, samples, {
      streamId: ID,
      metadata: { agent: 'A-42', campaign: 'browser-test' },
      speed: 4,
    });

    const row = page.locator(`tr[data-stream-id="${ID}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('agent: A-42 · campaign: browser-test');
    // The search filter matches metadata and hides what does not match.
    const search = page.getByLabel('Search');
    await search.fill('browser-test');
    await row.waitFor();
    await search.fill('no-such-stream');
    await page.getByText('No stream matches the filters.').waitFor();
    await search.fill('');
    await row.waitFor();
    // The first analysed window shows up as the row's current emotion.
    await page.waitForSelector(`tr[data-stream-id="${ID}"]:not([data-emotion=""])`, { timeout: 15_000 });
    await page.screenshot({ path: artifact('dashboard-overview-one-stream.png') });

    // Open the stream view from the overview while the stream is still being sent.
    await row.getByRole('link', { name: ID }).click();
    await page.waitForURL(`**/stream?id=${ID}`);
    const timeline = page.getByTestId('timeline');
    await until(
      'a window in the timeline',
      async () => Number(await timeline.getAttribute('data-windows')) >= 1,
    );
    const liveWindows = Number(await timeline.getAttribute('data-windows'));

    await sdk.done;
    const emotions = sdk.events.filter((e): e is EmotionEvent => e.type === 'emotion');
    const summary = sdk.events.find((e): e is SummaryEvent => e.type === 'summary');
    expect(summary).toBeDefined();
    expect(emotions.length).toBeGreaterThanOrEqual(4);
    expect(liveWindows).toBeLessThanOrEqual(emotions.length);

    // After stream.end: every window drawn, the final summary equal to the SDK's.
    await page.waitForSelector('[data-testid="summary"][data-final="true"]', { timeout: 15_000 });
    await expect(timeline.getAttribute('data-windows')).resolves.toBe(String(emotions.length));
    await expect(timeline.getAttribute('data-segments')).resolves.toBe(String(summary!.segments));
    const dominant = summary!.dominant!;
    await expect(page.getByTestId('dominant').textContent()).resolves.toMatch(new RegExp(dominant, 'i'));
    await expect(page.getByTestId('window-count').textContent()).resolves.toMatch(
      new RegExp(`^${summary!.windows} \\(${summary!.uncertainWindows} uncertain\\)`),
    );
    const last = emotions[emotions.length - 1]!;
    await expect(page.getByTestId('current-emotion').getAttribute('data-label')).resolves.toBe(last.label);
    // The current window's SNR estimate, studio speech: a clean line, not flagged noisy.
    expect(last.snrDb).toBeGreaterThan(30);
    await expect(page.getByTestId('current-snr').textContent()).resolves.toBe(
      `SNR ${Math.round(last.snrDb!)} dB`,
    );
    const recent = await page.locator('[data-testid="recent-windows"] tbody tr').count();
    expect(recent).toBe(Math.min(8, emotions.length));
    await expect(page.locator('.stream-page').textContent()).resolves.toContain('Ended (stop)');
    await page.screenshot({ path: artifact('dashboard-stream-view.png'), fullPage: true });

    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('says when a stream is telephone audio (an 8 kHz mu-law call, narrowband VAD)', async () => {
    const call8k = await resampleOffline(
      await call(12, ['03-01-05-02-01-01', '03-01-01-01-01-01', '03-01-04-02-01-01']),
      16000,
      8000,
    );
    const sdk = await streamFromSdk(srv.url, call8k, {
      streamId: 'browser-telephone-1',
      metadata: { agent: 'A-43' },
      speed: 4,
      sampleRate: 8000,
      encoding: 'mulaw',
    });
    await page.goto(`${srv.url}/stream?id=browser-telephone-1`);
    const info = page.locator('.stream-info');
    await info.waitFor({ timeout: 15_000 });
    await expect(info.textContent()).resolves.toContain('mulaw 8000 Hz');
    await expect(info.textContent()).resolves.toContain('telephone audio (narrowband VAD)');
    await sdk.done;
    expect(sdk.client.ready.options.bandwidth).toBe('narrowband');
    expect(sdk.events.some((e) => e.type === 'emotion')).toBe(true);
    // The same call bridged into a 16 kHz stream: the server finds the band from the audio, and the
    // view says so, with when.
    await page.goto(`${srv.url}/stream?id=browser-telephone-2`);
    const bridged = await streamFromSdk(srv.url, await resampleOffline(call8k, 8000, 16000), {
      streamId: 'browser-telephone-2',
      metadata: { agent: 'A-44' },
      speed: 4,
    });
    await page
      .locator('.stream-info', { hasText: 'telephone audio, detected at' })
      .waitFor({ timeout: 15_000 });
    await bridged.done;
    const band = bridged.events.find((e) => e.type === 'bandwidth');
    expect(band).toMatchObject({ bandwidth: 'narrowband' });
    await expect(page.locator('.stream-info').textContent()).resolves.toContain(
      `telephone audio, detected at ${((band as { detectedMs: number }).detectedMs / 1000).toFixed(1)} s (narrowband VAD)`,
    );
    // A 16 kHz stream's view says nothing of the kind.
    await page.goto(`${srv.url}/stream?id=${ID}`);
    await page.locator('.stream-info').waitFor({ timeout: 15_000 });
    await expect(page.locator('.stream-info').textContent()).resolves.not.toContain('telephone');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('marks a noisy line on the overview and counts its noisy windows in the summary', async () => {
    // Three utterances in steady pink noise 8 dB under the speech.
    const clean = await call(12, ['03-01-05-02-01-01', '03-01-01-01-01-01', '03-01-05-01-01-02']);
    const noisy = addNoise(clean, new Rng(5), { snrDb: 8, kind: 'pink' });
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('[data-connection="live"]');
    const sdk = await streamFromSdk(srv.url, noisy, { streamId: 'browser-noisy-1', speed: 2 });
    const row = page.locator('tr[data-stream-id="browser-noisy-1"]');
    await row.getByTestId('noisy-line').waitFor({ timeout: 20_000 });
    await expect(row.getByTestId('noisy-line').getAttribute('title')).resolves.toMatch(
      /^SNR \d+ dB, noisy line: less accurate$/,
    );
    await page.screenshot({ path: artifact('dashboard-noisy-line.png') });
    // The clean stream of the first test is not marked.
    await expect(page.locator(`tr[data-stream-id="${ID}"]`).getByTestId('noisy-line').count()).resolves.toBe(
      0,
    );
    await sdk.done;
    const summary = sdk.events.find((e): e is SummaryEvent => e.type === 'summary')!;
    const emotions = sdk.events.filter((e): e is EmotionEvent => e.type === 'emotion');
    const noisyWindows = emotions.filter((e) => e.snrDb! < 20).length;
    expect(noisyWindows).toBeGreaterThan(0);
    expect(summary.noisyWindows).toBe(noisyWindows);
    await page.goto(`${srv.url}/stream?id=browser-noisy-1`);
    await expect(page.getByTestId('window-count').textContent()).resolves.toContain(
      `${noisyWindows} on a noisy line`,
    );
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
